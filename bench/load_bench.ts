/**
 * Load on one protect-daemon (fake driver, so only the API is measured): 100 WatchEvents
 * streams held open while 1,000 unary RPCs (ListZones, GetHostStatus) are in flight at once,
 * in rounds; every call must be served. Reports p50/p99 latency, errors (must be 0), the
 * events each stream saw, and the daemon's RSS before, after, and after a quiet second.
 * Run: ./denow run -A bench/load_bench.ts [rounds=5]
 */
import { createClient } from "@connectrpc/connect";
import { ControlService } from "../proto/mod.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import {
  rssMiB,
  startProgramProcess,
  tempRoot,
  writeDaemonConfig,
} from "../tests/helpers/processes.ts";
import { percentile } from "./stats.ts";

const rounds = Number(Deno.args[0] ?? 5);
const UNARY = 1000;
const STREAMS = 100;

const root = tempRoot();
writeDaemonConfig(root, '[daemon]\ndriver = "fake"\n[fake]\nboot_delay_ms = 0\n');
const daemon = await startProgramProcess("daemon", root);
// Each caller its own transport (its own connections), as separate clients would be.
const clients = Array.from(
  { length: 50 },
  () => createClient(ControlService, createUnixTransport(daemon.socket)),
);
try {
  const before = rssMiB(daemon.process.pid);
  const stop = new AbortController();
  const seen = new Array(STREAMS).fill(0);
  const streamErrors: string[] = [];
  const watching = Array.from({ length: STREAMS }, async (_, i) => {
    try {
      for await (const _ of clients[i % clients.length].watchEvents({}, { signal: stop.signal })) {
        seen[i]++;
      }
    } catch (e) {
      if (!stop.signal.aborted) streamErrors.push(String(e).slice(0, 120));
    }
  });
  // Let every stream open: 50 new HTTP/2 connections at once took 3-10 s to all be served
  // here (a stream opened later misses earlier events; WatchEvents sends no snapshot).
  await new Promise((r) => setTimeout(r, 10_000));
  const latencies: number[] = [];
  let errors = 0;
  for (let r = 0; r < rounds; r++) {
    // Something for the watchers to see: a zone per round.
    await clients[0].createZone({ spec: { name: `load-${r}` } });
    await Promise.all(Array.from({ length: UNARY }, async (_, i) => {
      const client = clients[i % clients.length];
      const started = performance.now();
      try {
        await (i % 2 ? client.listZones({}) : client.getHostStatus({}));
        latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }));
  }
  const after = rssMiB(daemon.process.pid);
  stop.abort();
  await Promise.all(watching);
  await new Promise((r) => setTimeout(r, 1000));
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    bench:
      `load: ${UNARY} concurrent unary RPCs x ${rounds} rounds, ${STREAMS} WatchEvents streams`,
    calls: latencies.length + errors,
    errors,
    p50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(1)),
    eventsPerStream: {
      min: Math.min(...seen),
      max: Math.max(...seen),
      zeros: seen.filter((n) => n === 0).length,
    },
    streamErrors: streamErrors.length,
    firstStreamError: streamErrors[0],
    daemonRssMiB: {
      before: Math.round(before),
      after: Math.round(after),
      idle: Math.round(rssMiB(daemon.process.pid)),
    },
  }));
  if (errors > 0 || streamErrors.length > 0) Deno.exitCode = 1;
} finally {
  await daemon.stop();
  Deno.removeSync(root, { recursive: true });
}
