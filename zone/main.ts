/**
 * The zone agent: flags and wiring. It connects to the host's IDM endpoint —
 * a Unix socket under the process driver, a vchan under Xen — and serves it
 * (see agent.ts and host_session.ts).
 */
import { createLogger } from "../lib/log/mod.ts";
import { connectUnix } from "../lib/idm/mod.ts";
import { type AgentState, HostLink, serveAgent } from "./agent.ts";
import { parseAgentFlags } from "./agent_flags.ts";
import { WorkloadRunner } from "./runtime/workload_runner.ts";
import { linuxSystem, xenZoneSystem } from "./bootstrap.ts";
import { keepHostSession } from "./host_session.ts";
import { MemoryReporter } from "./memory_reporter.ts";
import { XenHostChannel, zoneIdFromCmdline } from "./xen_channel.ts";
import { kernelPathExists, readKernelFile } from "../xen/mod.ts";

let flags;
try {
  flags = parseAgentFlags(Deno.args);
} catch (e) {
  console.error(`protect-zone-agent: ${(e as Error).message}`);
  Deno.exit(2);
}
const socket = flags.idmSocket;
// /proc through libc in a Xen zone: Deno opens it only under --allow-all (kernel_files.ts).
const zoneId = flags.zoneId ||
  (flags.xen ? zoneIdFromCmdline(readKernelFile("/proc/cmdline")) : "");
// A log file rather than stderr: the agent must outlive the daemon that started it.
// Under Xen, stderr is the zone's console, which xenconsoled keeps for the host.
const logFile = flags.logFile
  ? Deno.openSync(flags.logFile, { append: true, create: true })
  : undefined;
const encoder = new TextEncoder();
const log = createLogger("zone-agent", {
  sink: logFile ? (line) => void logFile.writeSync(encoder.encode(line + "\n")) : undefined,
}).with({ zone: zoneId });
// How long the agent took to load (from its process start) and, in a Xen zone, the
// guest's uptime then: with zone-init's "starting the agent at", where boot time goes.
log.info("agent started", {
  loadedInMs: Math.round(performance.now()),
  ...(flags.xen && { guestUptimeS: Number(readKernelFile("/proc/uptime").split(" ")[0]) }),
});

// Workloads live on a tmpfs private to this zone's mount namespace.
const workDir = flags.workDir;
let runner: WorkloadRunner | undefined;
const link = new HostLink();
const state: AgentState = { hostname: "zone" };
if (workDir) {
  Deno.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  // Under Xen the work dir is on the zone's own /run tmpfs already (zone-init);
  // a process zone mounts a tmpfs private to its mount namespace.
  const mounted = flags.xen ? { success: true } : await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "mode=0700", "zone-work", workDir],
  }).output();
  if (!mounted.success) log.error("could not mount the zone's work tmpfs", { dir: workDir });
  state.resolvConf = `${workDir}/resolv.conf`;
  runner = new WorkloadRunner(
    workDir,
    () => state.hostname,
    link,
    log,
    flags.runtime,
    flags.xen ? kernelPathExists : undefined,
  );
}

const xen = flags.xen ? new XenHostChannel() : undefined;
// Xen zones push their memory to the host's policy (DYNAMIC zones); /proc through libc.
if (xen) new MemoryReporter(readKernelFile, log).start(() => link.peer);
await keepHostSession({
  connect: () => xen ? xen.connect() : connectUnix(socket!),
  describe: xen ? "xen vchan" : socket!,
  replaced: xen ? (signal) => xen.replaced(signal) : undefined,
  zoneId,
  token: Deno.env.get("PROTECT_ZONE_TOKEN") ?? "",
  serve: (transport) =>
    link.peer = serveAgent(transport, xen ? xenZoneSystem : linuxSystem, log, runner, state),
  log,
});
