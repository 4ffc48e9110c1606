import assert from "node:assert/strict";
import { join } from "node:path";
import { buildTar, type TarMember } from "../testing/tar_builder.ts";
import { type RootfsTools, RootfsWriter } from "./rootfs_writer.ts";
import { readTar } from "./tar_reader.ts";

const xattrs: string[] = [];
const tools: RootfsTools = {
  setXattr: (path, name) => {
    xattrs.push(`${path.split("/").pop()} ${name}`);
    return Promise.resolve();
  },
};

async function* once(data: Uint8Array) {
  yield data;
}

async function apply(root: string, ...layers: TarMember[][]) {
  const writer = new RootfsWriter(root, tools);
  for (const layer of layers) await writer.applyLayer(readTar(once(buildTar(layer))));
  writer.finish();
  return writer.specials;
}

const read = (root: string, p: string) => Deno.readTextFileSync(join(root, p));
const exists = (root: string, p: string) => {
  try {
    Deno.lstatSync(join(root, p));
    return true;
  } catch {
    return false;
  }
};

Deno.test("layers stack: files, modes, owners, links, whiteouts and opaque dirs", async () => {
  const root = Deno.makeTempDirSync();
  const specials = await apply(
    root,
    [
      { path: "etc/", type: "5" },
      { path: "etc/keep", content: "k" },
      { path: "etc/gone", content: "g" },
      { path: "opt/old/", type: "5" },
      { path: "opt/old/a", content: "a" },
      { path: "bin/busybox", content: "BB", mode: 0o4755, uid: 1000, gid: 1000 },
      { path: "bin/sh", type: "2", linkname: "busybox" },
      { path: "bin/ash", type: "1", linkname: "bin/busybox" },
      { path: "dev/null", type: "3", devmajor: 1, devminor: 3 },
      { path: "etc/cfg", content: "c", pax: { "SCHILY.xattr.user.k": "v" } },
    ],
    [
      { path: "etc/.wh.gone" },
      { path: "opt/old/", type: "5" },
      { path: "opt/old/new", content: "n" },
      { path: "opt/old/.wh..wh..opq" },
    ],
  );
  assert.equal(read(root, "etc/keep"), "k");
  assert.equal(exists(root, "etc/gone"), false);
  assert.deepEqual([...Deno.readDirSync(join(root, "opt/old"))].map((e) => e.name), ["new"]);
  const bb = Deno.statSync(join(root, "bin/busybox"));
  assert.equal(bb.mode! & 0o7777, 0o4755, "setuid survives chown");
  assert.equal(bb.uid, 1000);
  assert.equal(specials.get("bin/sh")?.target, "busybox");
  assert.equal(exists(root, "bin/sh"), false, "symlinks stay virtual");
  assert.equal(Deno.statSync(join(root, "bin/ash")).ino, bb.ino);
  assert.deepEqual(
    [
      specials.get("dev/null")?.type,
      specials.get("dev/null")?.devmajor,
      specials.get("dev/null")?.devminor,
    ],
    ["char", 1, 3],
  );
  assert.deepEqual(xattrs, ["cfg user.k"]);
  assert.equal(Deno.statSync(join(root, "etc/keep")).mtime?.getTime(), 1_700_000_000_000);
});

Deno.test("writes through an in-root symlink land inside the root", async () => {
  const root = Deno.makeTempDirSync();
  await apply(root, [{ path: "usr/lib/", type: "5" }, {
    path: "lib",
    type: "2",
    linkname: "/usr/lib",
  }], [
    { path: "lib/libc.so", content: "c" },
  ]);
  assert.equal(read(root, "usr/lib/libc.so"), "c");
});

Deno.test("a file replaces a symlink instead of writing through it", async () => {
  const root = Deno.makeTempDirSync();
  const outside = join(Deno.makeTempDirSync(), "victim");
  Deno.writeTextFileSync(outside, "safe");
  await apply(root, [{ path: "x", type: "2", linkname: outside }], [{
    path: "x",
    content: "evil",
  }]);
  assert.equal(Deno.readTextFileSync(outside), "safe");
  assert.equal(read(root, "x"), "evil");
});
