/**
 * The CRI on real Xen (bundled into the lab's dist as cri-pod-case.js; run by e2e_test.ts in
 * dom0, where session.sh started the daemons): starts protect-cri, runs a pod with two
 * containers in one zone, reads their logs at kubelet's path, shares the pod's directory as
 * kubelet lays it out (an emptyDir both containers write, a termination-log file) with the
 * zone over 9pfs, ExecSync and Exec over SPDY, container stats, then stops and removes the
 * pod. Prints "ok - …" lines and the phases'
 * times; exits 1 at the first failure.
 */
import * as net from "node:net";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  ContainerState,
  ImageService,
  PodSandboxState,
  RuntimeService,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { readAll, upgrade } from "../helpers/spdy_client.ts";

const SOCKET = "/run/protect/cri.sock";
const IMAGE = "docker.io/lab/busybox:1";
const times: Record<string, number> = {};

function check(ok: boolean, what: string, detail = ""): void {
  if (!ok) throw new Error(`${what}${detail ? `: ${detail}` : ""}`);
  console.log(`ok - ${what}`);
}

async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const value = await f();
  times[name] = Math.round(performance.now() - start);
  return value;
}

async function until<T>(
  what: string,
  seconds: number,
  probe: () => Promise<T | undefined> | T | undefined,
) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const cri = new Deno.Command("protect-cri", { stdout: "inherit", stderr: "inherit" }).spawn();
const transport = createGrpcTransport({
  baseUrl: "http://localhost",
  nodeOptions: { createConnection: () => net.connect(SOCKET) },
});
const runtime = createClient(RuntimeService, transport);
const images = createClient(ImageService, transport);
const logDir = `/var/log/pods/lab-${crypto.randomUUID()}`;
// kubelet makes the pod's directory, with its volumes, before it asks for the sandbox.
const uid = crypto.randomUUID();
const podDir = `/var/lib/kubelet/pods/${uid}`;
const emptyDir = `${podDir}/volumes/kubernetes.io~empty-dir/scratch`;
const terminationLog = `${podDir}/containers/b/5e1f`;
Deno.mkdirSync(emptyDir, { recursive: true });
Deno.chmodSync(emptyDir, 0o777);
Deno.mkdirSync(`${podDir}/containers/b`, { recursive: true });
Deno.writeTextFileSync(terminationLog, "");
let podId = "";
let code = 0;
try {
  await until("protect-cri's socket", 60, async () => {
    try {
      return (await runtime.version({})).runtimeName;
    } catch {
      return undefined;
    }
  });
  check(
    (await images.imageStatus({ image: { image: IMAGE } })).image !== undefined,
    "the lab image is there",
  );
  const config = {
    metadata: { name: "web", namespace: "default", uid, attempt: 0 },
    hostname: "web",
    logDirectory: logDir,
    dnsConfig: {
      servers: ["10.96.0.10"],
      searches: ["default.svc.cluster.local"],
      options: ["ndots:5"],
    },
    // The zone's own kernel: any sysctl is the pod's.
    linux: { sysctls: { "kernel.msgmax": "16384", "net.ipv4.ip_unprivileged_port_start": "80" } },
  };
  podId = (await timed("RunPodSandbox (zone to READY)", () =>
    runtime.runPodSandbox({ config }))).podSandboxId;
  const pod = (await runtime.podSandboxStatus({ podSandboxId: podId })).status!;
  check(pod.state === PodSandboxState.SANDBOX_READY, "the pod is READY on Xen");
  check(
    /^\d+\.\d+\.\d+\.\d+$/.test(pod.network?.ip ?? ""),
    "the pod has an IPv4 address",
    pod.network?.ip,
  );
  const container = (name: string, script: string) => ({
    metadata: { name, attempt: 0 },
    image: { image: IMAGE },
    command: ["sh", "-c", script],
    logPath: `${name}/0.log`,
    mounts: [
      { containerPath: "/scratch", hostPath: emptyDir },
      ...(name === "b"
        ? [{ containerPath: "/dev/termination-log", hostPath: terminationLog }]
        : []),
    ],
  });
  const ids = await timed("CreateContainer + StartContainer (two)", async () => {
    const made: string[] = [];
    for (
      const [name, script] of [
        ["a", "echo from-a $(hostname); hostname > /scratch/a-was-here; sleep 600"],
        ["b", "echo from-b $(hostname); grep search /etc/resolv.conf; sleep 600"],
      ]
    ) {
      const { containerId } = await runtime.createContainer({
        podSandboxId: podId,
        config: container(name, script),
        sandboxConfig: config,
      });
      await runtime.startContainer({ containerId });
      made.push(containerId);
    }
    return made;
  });
  for (const id of ids) {
    const s = (await runtime.containerStatus({ containerId: id })).status!;
    check(s.state === ContainerState.CONTAINER_RUNNING, `container ${s.metadata?.name} runs`);
  }
  const logA = await until("container a's log", 60, () => {
    try {
      const t = Deno.readTextFileSync(`${logDir}/a/0.log`);
      return t.includes("from-a") ? t : undefined;
    } catch {
      return undefined;
    }
  });
  check(
    / stdout F from-a web$/m.test(logA),
    "a's log is at kubelet's path, in the CRI format",
    logA,
  );
  const logB = await until("container b's log", 60, () => {
    try {
      const t = Deno.readTextFileSync(`${logDir}/b/0.log`);
      return t.includes("search") ? t : undefined;
    } catch {
      return undefined;
    }
  });
  check(/F search default\.svc\.cluster\.local$/m.test(logB), "b sees the pod's resolv.conf", logB);
  const shared = await until("a's file in the emptyDir, on the host", 60, () => {
    try {
      return Deno.readTextFileSync(`${emptyDir}/a-was-here`) || undefined;
    } catch {
      return undefined;
    }
  });
  check(shared === "web\n", "a wrote the emptyDir (9pfs share of the pod's directory)", shared);
  const seen = await runtime.execSync({
    containerId: ids[1],
    cmd: ["sh", "-c", "cat /scratch/a-was-here && echo done > /dev/termination-log"],
  });
  check(
    new TextDecoder().decode(seen.stdout) === "web\n" && seen.exitCode === 0 &&
      Deno.readTextFileSync(terminationLog) === "done\n",
    "b reads a's file and writes its termination log, which the host reads",
    new TextDecoder().decode(seen.stdout) + new TextDecoder().decode(seen.stderr),
  );
  const sync = await timed("ExecSync", () =>
    runtime.execSync({ containerId: ids[1], cmd: ["sh", "-c", "hostname; exit 4"] }));
  check(
    new TextDecoder().decode(sync.stdout) === "web\n" && sync.exitCode === 4,
    "ExecSync in b: output and exit code",
  );
  const sysctl = await runtime.execSync({
    containerId: ids[1],
    cmd: ["sh", "-c", "cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_unprivileged_port_start"],
  });
  check(
    new TextDecoder().decode(sysctl.stdout) === "16384\n80\n",
    "the pod's sysctls are set in its zone",
    new TextDecoder().decode(sysctl.stdout),
  );
  const { url } = await runtime.exec({
    containerId: ids[0],
    cmd: ["sh", "-c", "echo over-spdy"],
    stdout: true,
  });
  const up = await upgrade(url, ["v4.channel.k8s.io"]);
  const error = await up.session!.openStream({ streamtype: "error" });
  const stdout = await up.session!.openStream({ streamtype: "stdout" });
  const [out, status] = await Promise.all([readAll(stdout), readAll(error)]);
  check(
    out === "over-spdy\n" && JSON.parse(status).status === "Success",
    "Exec over SPDY/3.1 in a",
    out + status,
  );
  const stats = (await runtime.containerStats({ containerId: ids[0] })).stats!;
  check(
    (stats.cpu?.usageCoreNanoSeconds?.value ?? 0n) > 0n,
    "container stats from the zone's cgroup",
  );
  await timed("StopPodSandbox (zone destroyed)", () =>
    runtime.stopPodSandbox({ podSandboxId: podId }));
  await runtime.removePodSandbox({ podSandboxId: podId });
  check((await runtime.listPodSandbox({})).items.length === 0, "the pod is gone");
  podId = "";
  console.log(JSON.stringify({ criPhasesMs: times }));
} catch (e) {
  console.log(`not ok - ${(e as Error).message}`);
  code = 1;
  if (podId) await runtime.removePodSandbox({ podSandboxId: podId }).catch(() => {});
} finally {
  cri.kill("SIGTERM");
  await cri.status;
  for (const dir of [logDir, podDir]) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* never made */ }
  }
}
Deno.exit(code);
