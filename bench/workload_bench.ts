/**
 * Workload start latency: `protect workload launch` of `sh -c :` in a
 * process-driver zone (create over the API, IDM to the agent, squashfs +
 * overlay mounts, runc run, exit reported back) vs `runc run` of the same
 * image and OCI config prepared by hand, same run (target <= 1.5x).
 * Needs root, runc, docker-registry. Run: ./denow run -A bench/workload_bench.ts [rounds=10]
 */
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { WorkloadStartSchema } from "../proto/gen/protect/idm/v1/idm_pb.ts";
import { ControlService, WorkloadState, ZoneState } from "../proto/mod.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { ociConfig } from "../zone/runtime/oci_config.ts";
import {
  startProgramProcess,
  startStorageProcess,
  tempRoot,
  writeDaemonConfig,
} from "../tests/helpers/processes.ts";
import { pushImage, startRegistry } from "../tests/helpers/registry.ts";
import { median, timeOnce } from "./stats.ts";

const rounds = Number(Deno.args[0] ?? 10);

async function run(cmd: string, args: string[]) {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const registry = await startRegistry();
const root = tempRoot();
writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
const daemon = await startProgramProcess("daemon-process", root);
const storage = await startStorageProcess(root);
const transport = createUnixTransport(daemon.socket);
const client = createClient(ControlService, transport);
const work = Deno.makeTempDirSync({ prefix: "bench-runc-" });
try {
  await pushImage(registry.host, "bench/busybox", "1", {
    layers: await busyboxLayers(),
    config: { Cmd: ["sh"] },
  });
  const image = `${registry.host}/bench/busybox:1`;
  const { zoneId } = await client.createZone({ spec: { name: "bench" } });
  for await (const e of client.watchEvents({})) {
    if (
      e.event.case === "zoneChanged" && e.event.value.id === zoneId &&
      e.event.value.status?.state === ZoneState.READY
    ) break;
  }
  let imagePath = "";
  for await (const m of client.pullImage({ reference: image })) {
    imagePath = m.image?.path ?? imagePath;
  }

  const viaProtect = async () => {
    const { workloadId } = await client.createWorkload({
      start: true,
      spec: { zone: "bench", image, process: { args: ["sh", "-c", ":"] } },
    });
    for await (
      const _ of client.readWorkloadLogs({ workloadId, follow: true })
    ) { /* until it exits */ }
    const { workload } = await client.getWorkload({ workloadId });
    if (workload?.status?.state !== WorkloadState.COMPLETED) {
      throw new Error(`workload ${workload?.status?.error}`);
    }
    await client.destroyWorkload({ workloadId });
  };

  // The reference: the same image, mounts and OCI config, runc run by hand.
  await run("mount", ["-t", "tmpfs", "bench", work]);
  let n = 0;
  const direct = async () => {
    const base = join(work, String(n++));
    const [lower, upper, wk, bundle] = ["lower", "upper", "work", "bundle"].map((d) =>
      join(base, d)
    );
    const rootfs = join(bundle, "rootfs");
    for (const d of [lower, upper, wk, rootfs]) Deno.mkdirSync(d, { recursive: true });
    await run("mount", ["-t", "squashfs", "-o", "loop,ro", imagePath, lower]);
    await run("mount", [
      "-t",
      "overlay",
      "overlay",
      "-o",
      `lowerdir=${lower},upperdir=${upper},workdir=${wk}`,
      rootfs,
    ]);
    const spec = create(WorkloadStartSchema, { workloadId: "b", args: ["sh", "-c", ":"] });
    Deno.writeTextFileSync(
      join(bundle, "config.json"),
      JSON.stringify(ociConfig(spec, rootfs, "bench")),
    );
    await run("runc", ["--root", join(work, "runc"), "run", "--bundle", bundle, `b${n}`]);
    await run("umount", [rootfs]);
    await run("umount", ["-d", lower]);
  };

  await viaProtect();
  await direct();
  const ours: number[] = [];
  const ref: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2) {
      ours.push(await timeOnce(viaProtect));
      ref.push(await timeOnce(direct));
    } else {
      ref.push(await timeOnce(direct));
      ours.push(await timeOnce(viaProtect));
    }
  }
  const o = median(ours);
  const r = median(ref);
  console.log(
    `workload launch (API -> IDM -> agent -> runc, exit reported): median ${o.toFixed(0)} ms`,
  );
  console.log(
    `runc run of the same bundle, by hand (mounts included):      median ${r.toFixed(0)} ms`,
  );
  console.log(`ratio ${(o / r).toFixed(2)}x (target <= 1.5x)`);
  await client.destroyZone({ zoneId });
} finally {
  await new Deno.Command("umount", { args: ["-R", work] }).output();
  transport.close();
  await storage.stop();
  await daemon.stop();
  await registry.stop();
}
