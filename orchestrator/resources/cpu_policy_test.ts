import assert from "node:assert/strict";
import { CpuPolicyState, planCpus } from "./cpu_policy.ts";

const view = (onlineCpus: number, cpuSeconds: number) => ({
  zoneId: "z",
  name: "z",
  minCpus: 1,
  maxCpus: 2,
  onlineCpus,
  cpuSeconds,
});

Deno.test("planCpus: a vCPU more after 3 busy seconds, never above max", () => {
  const state = new CpuPolicyState();
  let cpu = 0;
  const decisions = [];
  for (let s = 0; s <= 4; s++) {
    decisions.push(...planCpus([view(1, cpu)], state, s * 1000));
    cpu += 0.95;
  }
  assert.deepEqual(decisions.map((d) => [d.fromCpus, d.toCpus]), [[1, 2]]);
  assert.match(decisions[0].reason, /busy for 3 s \(95 % per vCPU\)/);
  const full = new CpuPolicyState();
  for (let s = 0, c = 0; s <= 6; s++, c += 1.9) {
    assert.deepEqual(planCpus([view(2, c)], full, s * 1000), [], "already at max");
  }
});

Deno.test("planCpus: a vCPU fewer after 10 idle seconds, never below min; no figure, no decision", () => {
  const state = new CpuPolicyState();
  const decisions = [];
  for (let s = 0; s <= 10; s++) decisions.push(...planCpus([view(2, s * 0.01)], state, s * 1000));
  assert.deepEqual(decisions.map((d) => d.toCpus), [1]);
  const floor = new CpuPolicyState();
  for (let s = 0; s <= 12; s++) assert.deepEqual(planCpus([view(1, 0)], floor, s * 1000), []);
  assert.deepEqual(
    planCpus([{ ...view(1, 0), cpuSeconds: undefined }], new CpuPolicyState(), 0),
    [],
  );
});
