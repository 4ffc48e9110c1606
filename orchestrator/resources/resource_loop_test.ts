import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ReadHostMetricsResponseSchema, ResourcePolicy, ZoneState } from "../../proto/mod.ts";
import { CpuPolicyState } from "./cpu_policy.ts";
import { MemoryPolicyState } from "./memory_policy.ts";
import { planTick } from "./resource_loop.ts";

const MiB = 1024n * 1024n;

function read(reportAgeMs: number) {
  const now = 100_000;
  const zone = (name: string, policy: ResourcePolicy, state = ZoneState.READY) => ({
    zoneId: name,
    name,
    state,
    resources: {
      policy,
      minMemoryMib: 256n,
      targetMemoryMib: 256n,
      maxMemoryMib: 1024n,
      minCpus: 1,
      targetCpus: 1,
      maxCpus: 2,
    },
    memoryReport: {
      memoryTotalBytes: 240n * MiB,
      memoryAvailableBytes: 20n * MiB,
      reportedAt: timestampFromMs(now - reportAgeMs),
    },
  });
  return create(ReadHostMetricsResponseSchema, {
    sampledAt: timestampFromMs(now),
    host: { freeMemoryBytes: 4096n * MiB },
    zones: [
      zone("dyn", ResourcePolicy.DYNAMIC),
      zone("static", ResourcePolicy.STATIC),
      zone("booting", ResourcePolicy.DYNAMIC, ZoneState.CREATING),
    ],
  });
}

Deno.test("planTick: only READY DYNAMIC zones, and only on a fresh report", () => {
  const plan = planTick(read(1_000), new MemoryPolicyState(), new CpuPolicyState(), 256);
  assert.deepEqual(plan.memory.map((d) => [d.name, d.toMib]), [["dyn", 448]]);
  const stale = planTick(read(60_000), new MemoryPolicyState(), new CpuPolicyState(), 256);
  assert.deepEqual(stale.memory, [], "a 60 s old report says nothing about now");
});
