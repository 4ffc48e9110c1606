import assert from "node:assert/strict";
import { join } from "node:path";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from "../../lib/errors/mod.ts";
import { type DeviceTools, Volumes } from "./volumes.ts";

function withDir(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = Deno.makeTempDirSync();
    try {
      await fn(dir);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

/** A block device as blockdev/blkid would see it: a size and what it holds. */
function fakeDevice(fsType: string) {
  const formatted: string[] = [];
  const tools: DeviceTools = {
    size: (path) =>
      path === "/dev/vdz" ? Promise.resolve(1 << 30) : Promise.reject(new Error("no")),
    fsType: () => Promise.resolve(fsType),
    formatExt4: (path) => Promise.resolve(void formatted.push(path)),
  };
  return { tools, formatted };
}

Deno.test(
  "a file volume is a sparse ext4 file with a record, listed, and removed with its file",
  withDir(async (dir) => {
    const volumes = new Volumes(dir);
    const v = await volumes.create("data", 16);
    assert.equal(v.path, join(dir, "data.ext4"));
    assert.equal(Deno.statSync(v.path).size, 16 * 1024 * 1024);
    const type = await new Deno.Command("blkid", {
      args: ["-p", "-o", "value", "-s", "TYPE", v.path],
    })
      .output();
    assert.equal(new TextDecoder().decode(type.stdout).trim(), "ext4");
    assert.deepEqual(volumes.list().map((x) => x.name), ["data"]);
    assert.equal(new Volumes(dir).get("data").sizeBytes, 16 * 1024 * 1024, "survives a restart");
    await assert.rejects(volumes.create("data", 16), AlreadyExistsError);
    volumes.remove("data");
    assert.throws(() => Deno.statSync(v.path), Deno.errors.NotFound);
    assert.throws(() => volumes.get("data"), NotFoundError);
  }),
);

Deno.test(
  "bad names, sizes and devices are refused naming the field, and change nothing",
  withDir(async (dir) => {
    const volumes = new Volumes(dir, fakeDevice("").tools);
    const field = (f: string) => (e: unknown) => e instanceof InvalidArgumentError && e.field === f;
    await assert.rejects(volumes.create("../x", 16), field("name"));
    await assert.rejects(volumes.create("Data", 16), field("name"));
    await assert.rejects(volumes.create("d", 4), field("size_mib"));
    await assert.rejects(volumes.create("d", 16, "/dev/vdz"), field("size_mib"));
    await assert.rejects(volumes.create("d", 0, "/etc/passwd"), field("device"));
    await assert.rejects(volumes.create("d", 0, "/dev/nope"), field("device"));
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  }),
);

Deno.test(
  "a block device is formatted when empty, used as is with ext4, refused with other data",
  withDir(async (dir) => {
    const empty = fakeDevice("");
    const v = await new Volumes(dir, empty.tools).create("disk", 0, "/dev/vdz");
    assert.deepEqual(empty.formatted, ["/dev/vdz"]);
    assert.equal(v.blockDevice, true);
    assert.equal(v.sizeBytes, 1 << 30);
    await assert.rejects(
      new Volumes(dir, empty.tools).create("again", 0, "/dev/vdz"),
      AlreadyExistsError,
    );
    new Volumes(dir, empty.tools).remove("disk");

    const ext4 = fakeDevice("ext4");
    await new Volumes(dir, ext4.tools).create("disk", 0, "/dev/vdz");
    assert.deepEqual(ext4.formatted, [], "existing ext4 data is kept");

    const xfs = fakeDevice("xfs");
    await assert.rejects(
      new Volumes(dir, xfs.tools).create("other", 0, "/dev/vdz"),
      (e) => e instanceof AlreadyExistsError,
    );
    new Volumes(dir, xfs.tools).remove("disk");
    await assert.rejects(
      new Volumes(dir, xfs.tools).create("other", 0, "/dev/vdz"),
      (e) => e instanceof FailedPreconditionError && /xfs/.test(e.message),
    );
    assert.deepEqual(xfs.formatted, []);
  }),
);

Deno.test(
  "a start clears files a crash left without a record",
  withDir((dir) => {
    Deno.writeTextFileSync(join(dir, "lost.ext4"), "");
    Deno.writeTextFileSync(join(dir, "half.ext4.partial"), "");
    new Volumes(dir);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  }),
);
