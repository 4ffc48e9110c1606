import assert from "node:assert/strict";
import { runForOutput } from "./workload_cgroup.ts";
import { layerUsage, statValue, workloadStats } from "./workload_stats.ts";

Deno.test("stat files are read by key", () => {
  assert.equal(statValue("usage_usec 1500\nuser_usec 1000\n", "usage_usec"), 1500n);
  assert.equal(statValue("inactive_file 4096\n", "active_file"), 0n);
});

Deno.test("a workload's use: cgroup v2 or v1 counters, and its writable layer", async () => {
  const upper = Deno.makeTempDirSync();
  Deno.mkdirSync(`${upper}/etc`);
  Deno.writeTextFileSync(`${upper}/etc/x`, "12345");
  assert.deepEqual(layerUsage(upper), { bytes: 5n, inodes: 2n });

  const v2 = Deno.makeTempDirSync();
  Deno.mkdirSync(`${v2}/protect/w/ctr`, { recursive: true });
  Deno.writeTextFileSync(`${v2}/protect/w/ctr/cpu.stat`, "usage_usec 2000\n");
  Deno.writeTextFileSync(`${v2}/protect/w/ctr/memory.current`, "10000\n");
  Deno.writeTextFileSync(`${v2}/protect/w/ctr/memory.stat`, "anon 1\ninactive_file 4000\n");
  const s2 = await workloadStats("w", upper, runForOutput, v2);
  assert.equal(s2.cpuUsageNs, 2_000_000n);
  assert.equal(s2.memoryUsageBytes, 10000n);
  assert.equal(s2.memoryWorkingSetBytes, 6000n);
  assert.equal(s2.writableLayerBytes, 5n);

  const v1 = Deno.makeTempDirSync();
  Deno.mkdirSync(`${v1}/cpuacct/protect/w/ctr`, { recursive: true });
  Deno.mkdirSync(`${v1}/memory/protect/w/ctr`, { recursive: true });
  Deno.writeTextFileSync(`${v1}/cpuacct/protect/w/ctr/cpuacct.usage`, "777\n");
  Deno.writeTextFileSync(`${v1}/memory/protect/w/ctr/memory.usage_in_bytes`, "9000\n");
  Deno.writeTextFileSync(`${v1}/memory/protect/w/ctr/memory.stat`, "total_inactive_file 1000\n");
  const s1 = await workloadStats("w", upper, runForOutput, v1);
  assert.deepEqual([s1.cpuUsageNs, s1.memoryUsageBytes, s1.memoryWorkingSetBytes], [
    777n,
    9000n,
    8000n,
  ]);
  for (const d of [upper, v1, v2]) Deno.removeSync(d, { recursive: true });
});
