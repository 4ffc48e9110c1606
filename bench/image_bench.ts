/**
 * Pull + pack of a multi-layer image (>= 50 MB) from a local registry, in both image
 * formats: protect-storage vs a reference pipeline on the same image in the same run
 * (skopeo copy -> umoci raw unpack -> mksquashfs or mkfs.erofs, all Debian packages).
 * Reports medians, the ratio per format (target <= 1.0x) and the storage daemon's peak RSS.
 * Run: ./denow run -A bench/image_bench.ts [rounds=3]
 */
import { createClient } from "@connectrpc/connect";
import { PackFormat, StorageService } from "../proto/gen/protect/storage/v1/storage_pb.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { buildTar, gzip, type TarMember } from "../storage/testing/tar_builder.ts";
import { startStorageProcess, tempRoot } from "../tests/helpers/processes.ts";
import { pushImage, startRegistry } from "../tests/helpers/registry.ts";
import { median, timeOnce } from "./stats.ts";

const rounds = Number(Deno.args[0] ?? 3);

/** A layer of `files` files of `size` random bytes each (random: gzip cannot shrink it). */
async function randomLayer(name: string, files: number, size: number): Promise<Uint8Array> {
  const members: TarMember[] = [{ path: `${name}/`, type: "5" }];
  for (let i = 0; i < files; i++) {
    const content = new Uint8Array(size);
    for (let at = 0; at < size; at += 65536) {
      crypto.getRandomValues(content.subarray(at, at + 65536));
    }
    members.push({ path: `${name}/f${i}`, content });
  }
  return await gzip(buildTar(members));
}

async function run(cmd: string, args: string[]) {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

function peakRssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

const registry = await startRegistry();
const root = tempRoot();
const storage = await startStorageProcess(root);
const transport = createUnixTransport(storage.socket);
const client = createClient(StorageService, transport);
try {
  const layers = [
    ...await busyboxLayers(),
    await randomLayer("small", 2000, 8 * 1024),
    await randomLayer("medium", 200, 96 * 1024),
    await randomLayer("large", 8, 2 * 1024 * 1024),
  ];
  const total = layers.reduce((n, l) => n + l.length, 0);
  await pushImage(registry.host, "bench/app", "1", { layers });
  const reference = `${registry.host}/bench/app:1`;
  console.log(`image: ${layers.length} layers, ${(total / 2 ** 20).toFixed(1)} MiB compressed`);

  let format: "squashfs" | "erofs" = "squashfs";
  const ours = async () => {
    const packFormat = format === "erofs" ? PackFormat.EROFS : PackFormat.SQUASHFS;
    for await (const _ of client.pullImage({ reference, format: packFormat })) { /* progress */ }
  };
  const resetOurs = async () => {
    await client.removeImage({ reference }); // also collects the blobs: the next pull downloads again
  };
  const reference_ = async () => {
    const dir = Deno.makeTempDirSync({ prefix: "bench-ref-" });
    try {
      await run("skopeo", [
        "copy",
        "-q",
        "--src-tls-verify=false",
        `docker://${reference}`,
        `oci:${dir}/oci:1`,
      ]);
      await run("umoci", ["raw", "unpack", "--image", `${dir}/oci:1`, `${dir}/rootfs`]);
      if (format === "erofs") {
        await run("mkfs.erofs", [`${dir}/out.erofs`, `${dir}/rootfs`]); // as storage packs it
      } else {
        await run("mksquashfs", [
          `${dir}/rootfs`,
          `${dir}/out.squashfs`,
          "-noappend",
          "-no-progress",
          "-quiet",
          "-comp",
          "gzip",
        ]);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };

  for (format of ["squashfs", "erofs"] as const) {
    await ours(); // warm-up: caches, JIT
    await resetOurs();
    await reference_();
    const oursMs: number[] = [];
    const refMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const first = i % 2 === 0;
      if (first) refMs.push(await timeOnce(reference_));
      oursMs.push(await timeOnce(ours));
      await resetOurs();
      if (!first) refMs.push(await timeOnce(reference_));
    }
    const o = median(oursMs);
    const r = median(refMs);
    const tool = format === "erofs" ? "mkfs.erofs" : "mksquashfs";
    console.log(`${format}:`);
    console.log(
      `  protect-storage pull+pack: median ${o.toFixed(0)} ms (${
        oursMs.map((x) => x.toFixed(0)).join(", ")
      })`,
    );
    console.log(
      `  skopeo+umoci+${tool}: median ${r.toFixed(0)} ms (${
        refMs.map((x) => x.toFixed(0)).join(", ")
      })`,
    );
    console.log(`  ratio ${(o / r).toFixed(2)}x (target <= 1.0x)`);
  }
  console.log(`protect-storage peak RSS: ${peakRssMiB(storage.process.pid).toFixed(0)} MiB`);
  const phases = storage.logs().split("\n").filter((l) => /layers verified|image packed/.test(l));
  console.log(phases.slice(-2).map((l) => l.replace(/^\S+ INFO storage: /, "  ")).join("\n"));
} finally {
  transport.close();
  await storage.stop();
  await registry.stop();
}
