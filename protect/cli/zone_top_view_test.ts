import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  HypervisorBackend,
  type ReadHostMetricsResponse,
  ReadHostMetricsResponseSchema,
  ZoneState,
} from "../../proto/mod.ts";
import { sortRows, topRows, topScreen } from "./zone_top_view.ts";

const MiB = 1024n * 1024n;

function sample(atMs: number, cpuA: number, cpuB: number): ReadHostMetricsResponse {
  const guest = (cpuSeconds: number, current: bigint) => ({
    onlineVcpus: 1,
    maxVcpus: 2,
    cpuSeconds,
    memoryCurrentBytes: current * MiB,
    memoryTargetBytes: current * MiB,
    memoryMaxBytes: 512n * MiB,
  });
  return create(ReadHostMetricsResponseSchema, {
    host: { driver: "xen", hypervisorVersion: "Xen 4.17.5", cpus: 2, totalMemoryBytes: 4n << 30n },
    sampledAt: timestampFromMs(atMs),
    zones: [
      {
        zoneId: "a",
        name: "alpha",
        state: ZoneState.READY,
        backend: HypervisorBackend.PVH,
        domainId: 1,
        guest: guest(cpuA, 256n),
        inZone: { memoryTotalBytes: 240n * MiB, memoryUsedBytes: 60n * MiB, cpuPercent: 3 },
      },
      {
        zoneId: "b",
        name: "bravo",
        state: ZoneState.READY,
        backend: HypervisorBackend.PV,
        domainId: 2,
        guest: guest(cpuB, 512n),
      },
      { zoneId: "c", name: "charlie", state: ZoneState.CREATING },
    ],
  });
}

Deno.test("topRows: CPU % from the hypervisor's CPU time between samples, else the agent's", () => {
  const first = topRows(sample(0, 10, 20));
  assert.equal(first[0].cpuPercent, 3, "one sample: the agent's figure");
  assert.equal(first[1].cpuPercent, undefined, "one sample, no agent: unknown");
  const rows = topRows(sample(2_000, 11, 20.5), sample(0, 10, 20));
  assert.equal(rows[0].cpuPercent, 50);
  assert.equal(rows[1].cpuPercent, 25);
  assert.deepEqual(
    { cur: rows[1].memCurrentMib, target: rows[1].memTargetMib, max: rows[1].memMaxMib },
    { cur: 512, target: 512, max: 512 },
  );
  assert.equal(rows[2].memCurrentMib, undefined, "a zone without a domain has no figures");
});

Deno.test("sortRows: busiest or largest first, name breaks ties; screen shows dashes for the unknown", () => {
  const rows = topRows(sample(2_000, 11, 20.5), sample(0, 10, 20));
  assert.deepEqual(sortRows(rows, "cpu").map((r) => r.name), ["alpha", "bravo", "charlie"]);
  assert.deepEqual(sortRows(rows, "mem").map((r) => r.name), ["bravo", "alpha", "charlie"]);
  assert.deepEqual(sortRows(rows, "name").map((r) => r.name), ["alpha", "bravo", "charlie"]);
  const screen = topScreen(sample(2_000, 11, 20.5), rows, "mem").split("\n");
  assert.match(screen[0], /3 zones on Xen 4\.17\.5, 2 CPUs/);
  assert.match(screen[1], /sorted by mem/);
  assert.match(screen[4], /^bravo\s+READY\s+pv\s+1\/2\s+25\.0\s+512\/512\/512\s+-$/);
  assert.match(screen[5], /^alpha\s+READY\s+pvh\s+1\/2\s+50\.0\s+256\/256\/512\s+60\/240$/);
  assert.match(screen[6], /^charlie\s+CREATING\s+-\s+-\s+-\s+-\s+-$/);
});

Deno.test("topScreen: the warm pool's zones and the memory they hold are counted in the header", () => {
  const metrics = sample(0, 1, 1);
  metrics.zones[1].state = ZoneState.POOLED;
  const screen = topScreen(metrics, topRows(metrics), "name").split("\n");
  assert.match(screen[0], /3 zones on .*; warm pool: 1 \(512 MiB\)$/);
  assert.match(screen.join("\n"), /bravo\s+POOLED/);
  assert.doesNotMatch(topScreen(sample(0, 1, 1), topRows(sample(0, 1, 1)), "name"), /warm pool/);
  metrics.zones[1].guest = undefined; // no hypervisor figures: a count, no made-up MiB
  assert.match(topScreen(metrics, topRows(metrics), "name").split("\n")[0], /; warm pool: 1$/);
});
