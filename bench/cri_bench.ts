/**
 * CRI pod start: RunPodSandbox + CreateContainer + StartContainer until the container's exit
 * is seen (ContainerStatus), through protect-cri on process-driver zones vs containerd 1.6's
 * CRI with runc (Debian's), driven by the same gRPC client in the same run, rounds
 * interleaved (target <= 1.3x). Both pull from the same local registry; containerd's pause
 * image is busybox sleeping (registry.k8s.io is unreachable here), and its pods use the host
 * network (no CNI here), while protect's zones get their own network namespace.
 * Needs root, runc, containerd, docker-registry.
 * Run: ./denow run -A bench/cri_bench.ts [rounds=8]
 */
import { join } from "node:path";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { protectPaths } from "../lib/paths/mod.ts";
import {
  startProgramProcess,
  startStorageProcess,
  tempRoot,
  writeDaemonConfig,
} from "../tests/helpers/processes.ts";
import { pushImage, startRegistry } from "../tests/helpers/registry.ts";
import { connectCri, type CriClient } from "../tests/helpers/cri_client.ts";
import { median } from "./stats.ts";

const rounds = Number(Deno.args[0] ?? 8);

/** containerd on its own root, socket and config, pulling from the local registry over HTTP. */
async function startContainerd(dir: string, registry: string, pause: string) {
  const socket = join(dir, "containerd.sock");
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  Deno.writeTextFileSync(
    join(dir, "config.toml"),
    `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${socket}"
[${cri}]
  sandbox_image = "${pause}"
  # This machine's root lacks CAP_SYS_RESOURCE: runc could not lower oom_score_adj to the
  # pause container's -998 ("failed to update /proc/self/oom_score_adj: Permission denied").
  restrict_oom_score_adj = true
  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri}.containerd.runtimes.runc.options]
        BinaryName = "${Deno.env.get("BENCH_RUNC") ?? "runc"}"
  [${cri}.registry.mirrors."${registry}"]
    endpoint = ["http://${registry}"]
`,
  );
  // Its log stays beside its state (kept when a run fails) for whoever has to look.
  const process = new Deno.Command("sh", {
    args: ["-c", `exec containerd --config ${dir}/config.toml 2>${dir}/containerd.log`],
    stdout: "null",
  }).spawn();
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      (await Deno.connect({ transport: "unix", path: socket })).close();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error("containerd did not listen in 20 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { socket, process };
}

/** One pod start, as kubelet does it for a pod with one short container; then torn down. */
async function podStart(c: CriClient, image: string, logDir: string, hostNetwork: boolean) {
  const config = {
    metadata: { name: "bench", namespace: "default", uid: crypto.randomUUID(), attempt: 0 },
    // A host-network pod shares the host's UTS namespace: kubelet gives it no hostname.
    hostname: hostNetwork ? "" : "bench",
    logDirectory: logDir,
    linux: hostNetwork ? { securityContext: { namespaceOptions: { network: "NODE" } } } : {},
  };
  const phases: number[] = [];
  let last = performance.now();
  const mark = () => {
    const now = performance.now();
    phases.push(now - last);
    last = now;
  };
  const { podSandboxId } = await c.runtime.runPodSandbox({ config });
  mark();
  const { containerId } = await c.runtime.createContainer({
    podSandboxId,
    config: {
      metadata: { name: "once", attempt: 0 },
      image: { image },
      command: ["sh", "-c", "echo hi"],
      logPath: `once-${podSandboxId.slice(0, 8)}.log`,
    },
    sandboxConfig: config,
  });
  mark();
  await c.runtime.startContainer({ containerId });
  mark();
  for (;;) {
    const s = await c.runtime.containerStatus({ containerId });
    if (s.status.state === "CONTAINER_EXITED") {
      if (s.status.exitCode !== 0) throw new Error(`exit ${s.status.exitCode}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  mark();
  await c.runtime.stopPodSandbox({ podSandboxId });
  await c.runtime.removePodSandbox({ podSandboxId });
  return phases;
}

const PHASES = ["runPodSandbox", "createContainer", "startContainer", "exitSeen"];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const registry = await startRegistry();
const layers = await busyboxLayers();
await pushImage(registry.host, "bench/busybox", "1", { layers, config: { Cmd: ["sh"] } });
await pushImage(registry.host, "bench/pause", "1", {
  layers,
  config: { Entrypoint: ["/bin/busybox", "sleep", "2147483647"] },
});
const image = `${registry.host}/bench/busybox:1`;
const root = tempRoot();
const ctrDir = Deno.makeTempDirSync({ prefix: "bench-containerd-" });
const logDir = Deno.makeTempDirSync({ prefix: "bench-pod-logs-" });
writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
const daemon = await startProgramProcess("daemon-process", root);
const storage = await startStorageProcess(root);
const cri = await startProgramProcess("cri", root);
const containerd = await startContainerd(ctrDir, registry.host, `${registry.host}/bench/pause:1`);
const protect = connectCri(protectPaths(root).criSocket);
const reference = connectCri(containerd.socket);
try {
  for (const c of [protect, reference]) await c.image.pullImage({ image: { image } });
  await reference.image.pullImage({ image: { image: `${registry.host}/bench/pause:1` } });
  // One of each first: caches warm on both sides.
  await podStart(protect, image, logDir, false);
  await podStart(reference, image, logDir, true);
  const runs = { protect: [] as number[][], containerd: [] as number[][] };
  for (let r = 0; r < rounds; r++) {
    const sides = ["protect", "containerd"] as const;
    for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
      runs[side].push(
        side === "protect"
          ? await podStart(protect, image, logDir, false)
          : await podStart(reference, image, logDir, true),
      );
    }
  }
  const total = (side: keyof typeof runs) => median(runs[side].map(sum));
  const phases = (side: keyof typeof runs) =>
    Object.fromEntries(
      PHASES.map((name, i) => [name, Math.round(median(runs[side].map((x) => x[i])))]),
    );
  console.log(JSON.stringify({
    bench: "cri pod start (runp + create + start until exit seen)",
    rounds,
    protectMs: Math.round(total("protect")),
    containerdRuncMs: Math.round(total("containerd")),
    ratio: Number((total("protect") / total("containerd")).toFixed(2)),
    target: 1.3,
    protectPhasesMs: phases("protect"),
    containerdPhasesMs: phases("containerd"),
  }));
} finally {
  protect.close();
  reference.close();
  containerd.process.kill("SIGTERM");
  await containerd.process.status;
  await cri.stop();
  await daemon.stop();
  await storage.stop();
  await registry.stop();
  for (const dir of [root, logDir]) Deno.removeSync(dir, { recursive: true });
  // containerd leaves its overlay mounts' directories busy for a moment; best effort.
  await new Deno.Command("umount", { args: ["-R", ctrDir] }).output().catch(() => {});
  console.error(`containerd's root and log: ${ctrDir}`);
}
