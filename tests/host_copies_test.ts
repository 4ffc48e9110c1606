/**
 * Host directories copied into a workload over IDM: the daemon's planner and sender
 * (daemon/workloads/host_copies.ts) against the zone agent's receiver
 * (zone/runtime/file_copies.ts), over an in-memory IDM pair; and the receiver refusing
 * what a broken or hostile sender could send.
 */
import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  FileEntrySchema,
  FileKind,
  FilesHeaderSchema,
} from "../proto/gen/protect/idm/v1/idm_pb.ts";
import { IdmPeer, transportPair } from "../lib/idm/mod.ts";
import { createLogger } from "../lib/log/mod.ts";
import { InvalidArgumentError } from "../lib/errors/mod.ts";
import { planCopies, sendCopies } from "../daemon/workloads/host_copies.ts";
import { receiveCopies } from "../zone/runtime/file_copies.ts";

const quiet = createLogger("test", { level: "error", sink: () => {} });

/** A host and a zone peer; the zone writes copies under `base`. */
function peers(base: string) {
  const [hostSide, zoneSide] = transportPair();
  const zone = new IdmPeer(zoneSide, { log: quiet, role: "zone" });
  const host = new IdmPeer(hostSide, { log: quiet, role: "host" });
  zone.onStream("workload.files", (stream, payload) => {
    receiveCopies(fromBinary(FilesHeaderSchema, payload), stream, base).then(
      () => stream.close(),
      (e) => stream.close((e as Error).message),
    );
  });
  return { host, close: () => (host.close(), zone.close()) };
}

function tree(root: string) {
  Deno.mkdirSync(`${root}/cfg/sub`, { recursive: true });
  Deno.writeTextFileSync(`${root}/cfg/a.txt`, "alpha\n", { mode: 0o640 });
  Deno.writeFileSync(`${root}/cfg/sub/big.bin`, new Uint8Array(600_000).map((_, i) => i % 251));
  Deno.chmodSync(`${root}/cfg/sub/big.bin`, 0o755);
  Deno.symlinkSync("a.txt", `${root}/cfg/link`);
  Deno.writeTextFileSync(`${root}/single`, "one file\n");
}

const withDirs = (fn: (host: string, zone: string) => Promise<void>) => async () => {
  const host = Deno.makeTempDirSync({ prefix: "protect-copy-host-" });
  const zone = Deno.makeTempDirSync({ prefix: "protect-copy-zone-" });
  try {
    await fn(host, zone);
  } finally {
    Deno.removeSync(host, { recursive: true });
    Deno.removeSync(zone, { recursive: true });
  }
};

Deno.test(
  "host copies: a directory (files, modes, subdirectories, links, 600 KB in chunks) and a file arrive intact",
  withDirs(async (hostDir, zoneDir) => {
    tree(hostDir);
    const plan = planCopies([`${hostDir}/cfg`, `${hostDir}/single`], hostDir, (i) => `m${i}`);
    assert.equal(plan.totalBytes, 6 + 600_000 + 9);
    const { host, close } = peers(`${zoneDir}/copies`);
    try {
      await sendCopies(host, "w1", 2, plan);
    } finally {
      close();
    }
    const c = `${zoneDir}/copies`;
    assert.equal(Deno.readTextFileSync(`${c}/0/a.txt`), "alpha\n");
    assert.equal(Deno.statSync(`${c}/0/a.txt`).mode! & 0o777, 0o640);
    assert.deepEqual(
      Deno.readFileSync(`${c}/0/sub/big.bin`),
      Deno.readFileSync(`${hostDir}/cfg/sub/big.bin`),
    );
    assert.equal(Deno.statSync(`${c}/0/sub/big.bin`).mode! & 0o777, 0o755);
    assert.equal(Deno.readLinkSync(`${c}/0/link`), "a.txt");
    assert.equal(Deno.readTextFileSync(`${c}/1`), "one file\n");
  }),
);

Deno.test(
  "host copies: sources outside the mounts directory, escaping links, FIFOs and oversize trees are refused",
  withDirs((hostDir) => {
    tree(hostDir);
    const refused = (
      sources: string[],
      message: RegExp,
      limits?: { maxBytes: number; maxEntries: number },
    ) =>
      assert.throws(
        () => planCopies(sources, `${hostDir}/cfg`, (i) => `spec.mounts[${i}].source`, limits),
        (e) => e instanceof InvalidArgumentError && message.test(e.message),
      );
    refused([`${hostDir}/single`], /spec.mounts\[0\].source: .* is not inside .*cfg/);
    Deno.symlinkSync("..", `${hostDir}/cfg/up`);
    refused([`${hostDir}/cfg/up`], /is not inside/);
    Deno.removeSync(`${hostDir}/cfg/up`);
    refused([`${hostDir}/cfg/none`], /cannot read/);
    refused([`${hostDir}/cfg`], /more than 0\.5 MiB to copy in/, {
      maxBytes: 512 * 1024,
      maxEntries: 100,
    });
    refused([`${hostDir}/cfg`], /more than 3 entries/, { maxBytes: 1 << 30, maxEntries: 3 });
    new Deno.Command("mkfifo", { args: [`${hostDir}/cfg/fifo`] }).outputSync();
    refused([`${hostDir}/cfg`], /fifo is not a directory, file or symlink/);
    return Promise.resolve();
  }),
);

/** Feeds raw entries to the receiver, as a hostile or broken sender could. */
async function receiveRaw(
  base: string,
  total: number,
  entries: Parameters<typeof create<typeof FileEntrySchema>>[1][],
) {
  async function* frames() {
    for (const e of entries) yield toBinary(FileEntrySchema, create(FileEntrySchema, e));
  }
  await receiveCopies(
    create(FilesHeaderSchema, { workloadId: "w", mounts: 1, totalBytes: BigInt(total) }),
    frames(),
    base,
  );
}

Deno.test(
  "the zone's receiver refuses bad paths, writes through its own links, replacements and overruns",
  withDirs(async (_, zoneDir) => {
    const root = { mount: 0, kind: FileKind.DIRECTORY, path: "", mode: 0o755 };
    const bad = async (entries: Parameters<typeof receiveRaw>[2], message: RegExp, total = 100) => {
      const base = Deno.makeTempDirSync({ dir: zoneDir });
      await assert.rejects(receiveRaw(`${base}/c`, total, entries), message);
    };
    await bad([root, { kind: FileKind.FILE, path: "../x" }], /bad path/);
    await bad([root, { kind: FileKind.FILE, path: "/etc/x" }], /bad path/);
    await bad([root, { kind: FileKind.FILE, path: "a/./b" }], /bad path/);
    await bad([{ kind: FileKind.FILE, path: "x" }], /its directory was not copied first/);
    await bad(
      [root, { kind: FileKind.SYMLINK, path: "l", linkTarget: "/etc" }, {
        kind: FileKind.FILE,
        path: "l/passwd",
      }],
      /its directory was not copied first/,
    );
    await bad(
      [root, { kind: FileKind.FILE, path: "f" }, { kind: FileKind.FILE, path: "f" }],
      /exists/i,
    );
    await bad([root, root], /two roots/);
    await bad(
      [root, { kind: FileKind.FILE, path: "f", data: new Uint8Array(200) }],
      /more content than/,
    );
    await bad([root, { kind: FileKind.DATA, path: "f", data: new Uint8Array(1) }], /not started/);
    await bad([{ ...root, mount: 1 }], /entry for mount 1 of 1/);
    await bad([root], /copy of .* bytes/, 1 << 30);
    assert.ok(!Deno.readDirSync(zoneDir).some((e) => e.name === "etc"));
  }),
);
