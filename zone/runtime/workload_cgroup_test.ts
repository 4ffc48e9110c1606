import assert from "node:assert/strict";
import { oomKills, removeWorkloadCgroups, runForOutput, wasOomKilled } from "./workload_cgroup.ts";

Deno.test("oom_kill is read from memory.events (v2) and memory.oom_control (v1)", () => {
  assert.equal(oomKills("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n"), 1);
  assert.equal(oomKills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"), 2);
  assert.equal(oomKills("oom_kill_disable 0\nunder_oom 0\n"), 0);
  assert.equal(oomKills(""), 0);
});

Deno.test("an OOM kill is found in the v2 parent or the v1 leaf; the cgroups are removed", async () => {
  const v2 = Deno.makeTempDirSync();
  Deno.mkdirSync(`${v2}/protect/w1/ctr`, { recursive: true });
  Deno.writeTextFileSync(`${v2}/protect/w1/memory.events`, "oom 1\noom_kill 1\n");
  assert.equal(await wasOomKilled("w1", runForOutput, v2), true);
  assert.equal(await wasOomKilled("w2", runForOutput, v2), false);
  Deno.removeSync(`${v2}/protect/w1/memory.events`);
  await removeWorkloadCgroups("w1", runForOutput, v2);
  assert.deepEqual([...Deno.readDirSync(`${v2}/protect`)], []);

  const v1 = Deno.makeTempDirSync();
  Deno.mkdirSync(`${v1}/memory/protect/w1/ctr`, { recursive: true });
  Deno.mkdirSync(`${v1}/pids/protect/w1/ctr`, { recursive: true });
  Deno.writeTextFileSync(`${v1}/memory/protect/w1/ctr/memory.oom_control`, "oom_kill 1\n");
  assert.equal(await wasOomKilled("w1", runForOutput, v1), true);
  Deno.removeSync(`${v1}/memory/protect/w1/ctr/memory.oom_control`);
  await removeWorkloadCgroups("w1", runForOutput, v1);
  assert.deepEqual([...Deno.readDirSync(`${v1}/memory/protect`)], []);
  assert.deepEqual([...Deno.readDirSync(`${v1}/pids/protect`)], []);
  Deno.removeSync(v1, { recursive: true });
  Deno.removeSync(v2, { recursive: true });
});
