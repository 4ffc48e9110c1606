/**
 * One zone floods workload output; does another zone's IDM latency change? Two zone processes
 * (separate Deno processes, as agents are) talk to this one, the daemon's side: zone A sends
 * 64 KiB `workload.output` events as fast as it can, which this side decodes and appends to a
 * workload log on disk as the daemon does; zone B answers an echo request every 10 ms. Three
 * scenarios, interleaved over rounds: B alone, B with A flooding and no limit, B with A
 * flooding under the default [idm.limits]. Reports B's p50/p99 round trip, each as a ratio to
 * B alone in the same run, and what A got through.
 * Run: ./denow run -A bench/idm_flood_bench.ts [rounds=3] [seconds=4]
 */
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createLogger } from "../lib/log/mod.ts";
import { connTransport, IdmPeer } from "../lib/idm/mod.ts";
import { WorkloadOutputSchema } from "../proto/gen/protect/idm/v1/idm_pb.ts";
import { DEFAULT_IDM_LIMITS, IdmRateLimits } from "../daemon/idm/idm_rate_limits.ts";
import { WorkloadLogs } from "../daemon/workloads/workload_logs.ts";
import { median, percentile } from "./stats.ts";

const quiet = createLogger("bench", { level: "error", sink: () => {} });
const [role, socket] = Deno.args;

/** The zone side: `flood` sends output until the channel closes; `echo` answers requests. */
async function zoneSide(kind: string, path: string) {
  const peer = new IdmPeer(connTransport(await Deno.connect({ transport: "unix", path })), {
    log: quiet,
    role: "zone",
  });
  if (kind === "echo") peer.onRequest("echo", (payload) => payload);
  else {
    const message = toBinary(
      WorkloadOutputSchema,
      create(WorkloadOutputSchema, { workloadId: "w1", stdout: new Uint8Array(64 << 10).fill(65) }),
    );
    while (true) await peer.sendEvent("workload.output", message).catch(() => Deno.exit(0));
  }
  await peer.done;
}

/** Starts a zone process and the host's peer for it. */
async function zone(kind: string, dir: string) {
  const path = join(dir, `${kind}.sock`);
  const listener = Deno.listen({ transport: "unix", path });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, kind, path],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const peer = new IdmPeer(connTransport(await listener.accept()), { log: quiet, role: "host" });
  listener.close();
  return { peer, child };
}

async function scenario(name: string, seconds: number, limits?: IdmRateLimits) {
  const dir = Deno.makeTempDirSync();
  const logs = new WorkloadLogs(join(dir, "logs"));
  const b = await zone("echo", dir);
  const a = name === "alone" ? undefined : await zone("flood", dir);
  let floodBytes = 0;
  if (a) {
    limits?.guard({ id: "a", name: "flood" }, a.peer);
    a.peer.onEvent("workload.output", (payload) => {
      const m = fromBinary(WorkloadOutputSchema, payload);
      floodBytes += m.stdout.length;
      logs.append(m.workloadId, { stream: "stdout", data: m.stdout });
    });
  }
  await new Promise((r) => setTimeout(r, 300)); // the flood under way
  const rtts: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  const ping = new Uint8Array(32);
  while (performance.now() < end) {
    const t = performance.now();
    await b.peer.request("echo", ping, 10_000);
    rtts.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
  const elapsed = (performance.now() - started) / 1000;
  for (const z of [a, b]) {
    z?.peer.close();
    await z?.peer.done;
    await z?.child.status;
  }
  Deno.removeSync(dir, { recursive: true });
  rtts.sort((x, y) => x - y);
  return {
    p50: percentile(rtts, 0.5),
    p99: percentile(rtts, 0.99),
    mibPerS: floodBytes / 2 ** 20 / elapsed,
  };
}

if (role === "flood" || role === "echo") await zoneSide(role, socket);
else {
  const rounds = Number(Deno.args[0] ?? 3);
  const seconds = Number(Deno.args[1] ?? 4);
  const unlimited = { perSecond: 2 ** 40, burst: 2 ** 42 };
  const results: Record<string, Awaited<ReturnType<typeof scenario>>[]> = {
    alone: [],
    "flood, no limit": [],
    "flood, default limits": [],
  };
  for (let i = 0; i < rounds; i++) {
    results.alone.push(await scenario("alone", seconds));
    results["flood, no limit"].push(
      await scenario(
        "flood",
        seconds,
        new IdmRateLimits({ logs: unlimited, events: unlimited, metrics: unlimited }, quiet),
      ),
    );
    results["flood, default limits"].push(
      await scenario("flood", seconds, new IdmRateLimits(DEFAULT_IDM_LIMITS, quiet)),
    );
  }
  const alone = results.alone;
  const base = { p50: median(alone.map((r) => r.p50)), p99: median(alone.map((r) => r.p99)) };
  console.log(`zone B's echo round trip, ${rounds} rounds of ${seconds} s (medians over rounds):`);
  for (const [name, rs] of Object.entries(results)) {
    const p50 = median(rs.map((r) => r.p50));
    const p99 = median(rs.map((r) => r.p99));
    const flood = median(rs.map((r) => r.mibPerS));
    console.log(
      `  ${name.padEnd(22)} p50 ${p50.toFixed(2)} ms (${(p50 / base.p50).toFixed(2)}×)  ` +
        `p99 ${p99.toFixed(2)} ms (${(p99 / base.p99).toFixed(2)}×)` +
        (name === "alone" ? "" : `  zone A's output through: ${flood.toFixed(1)} MiB/s`),
    );
  }
}
