import assert from "node:assert/strict";
import { MemoryPolicyState, type MemoryView, planMemory } from "./memory_policy.ts";

const zone = (
  name: string,
  targetMib: number,
  report?: { totalMib: number; availableMib: number; pressureSome?: number },
  range: { minMib: number; maxMib: number } = { minMib: 256, maxMib: 1024 },
): MemoryView => ({
  zoneId: name,
  name,
  targetMib,
  ...range,
  report: report && { pressureSome: 0, ...report },
});

Deno.test("a zone running short grows fast, capped at its max and by the host", () => {
  const state = new MemoryPolicyState();
  const [d] = planMemory([zone("a", 256, { totalMib: 240, availableMib: 30 })], 4096, state, 0);
  assert.equal(d.toMib, 436, "its use (210 MiB) × 1.3 + 160 MiB, more than half as much again");
  assert.match(d.reason, /30 MiB available of 240/);
  const [capped] = planMemory(
    [zone("a", 900, { totalMib: 880, availableMib: 20 })],
    4096,
    state,
    0,
  );
  assert.equal(capped.toMib, 1024, "never above max");
  const [host] = planMemory([zone("a", 256, { totalMib: 240, availableMib: 30 })], 300, state, 0);
  assert.equal(host.toMib, 256 + 44, "free 300 less the 256 reserve");
  assert.match(host.reason, /host has room for 44 of 180 MiB/);
  assert.deepEqual(
    planMemory([zone("a", 256, { totalMib: 240, availableMib: 30 })], 200, state, 0),
    [],
  );
});

Deno.test("climbing use in a growing zone grows the target ahead of it, before it runs short", () => {
  const state = new MemoryPolicyState();
  planMemory([zone("a", 256, { totalMib: 240, availableMib: 30 })], 4096, state, 0);
  const [d] = planMemory([zone("a", 384, { totalMib: 360, availableMib: 90 })], 4096, state, 3_000);
  assert.equal(d.toMib, 512, "270 MiB used × 1.3 + 160");
  assert.match(d.reason, /uses 270 MiB: wants 512 MiB/);
  // Settled (no growth for 10 s), the same use is within its lean margin: left alone.
  assert.deepEqual(
    planMemory(
      [zone("b", 384, { totalMib: 360, availableMib: 90 })],
      4096,
      new MemoryPolicyState(),
      0,
    ),
    [],
  );
});

Deno.test("a settled zone shrinks to its use × 1.25 + 64 MiB, not to the growth spare", () => {
  // 172 MiB used at idle (a PVH zone in the lab): the spare would keep 384 MiB; lean is 280.
  const state = new MemoryPolicyState();
  let target = 1024;
  let now = 0;
  for (let i = 0; i < 20; i++, now += 3_000) {
    const [d] = planMemory(
      [zone("a", target, { totalMib: target - 30, availableMib: target - 202 })],
      4096,
      state,
      now,
    );
    if (d) target = d.toMib;
  }
  assert.ok(target <= 256 + 64, `within the slack of the 256 MiB it wants: ${target}`);
});

Deno.test("pressure alone is a reason to grow; no report, no decision", () => {
  const state = new MemoryPolicyState();
  const [d] = planMemory(
    [zone("a", 512, { totalMib: 500, availableMib: 300, pressureSome: 12 })],
    4096,
    state,
    0,
  );
  assert.equal(d.toMib, 768);
  assert.match(d.reason, /memory pressure 12\.0 %/);
  assert.deepEqual(planMemory([zone("b", 512)], 4096, state, 0), []);
});

Deno.test("an idle zone shrinks slowly after a calm spell, never below min; near its want, nothing", () => {
  const state = new MemoryPolicyState();
  const idle = zone("a", 1024, { totalMib: 1000, availableMib: 940 });
  assert.deepEqual(planMemory([idle], 4096, state, 0), [], "calm starts now");
  assert.deepEqual(planMemory([idle], 4096, state, 2_000), [], "not calm for long enough");
  const [first] = planMemory([idle], 4096, state, 3_000);
  assert.equal(first.toMib, 640, "half way down to the 256 MiB floor");
  assert.match(first.reason, /unused for 3 s \(wants 256 MiB\)/);
  // It shrinks again only after another calm spell, and stops at the floor.
  let target = first.toMib;
  let now = 3_000;
  for (let i = 0; i < 10; i++) {
    now += 3_000;
    const [d] = planMemory(
      [zone("a", target, { totalMib: target - 24, availableMib: target - 84 })],
      4096,
      state,
      now,
    );
    if (!d) break;
    assert.ok(d.toMib < target && d.toMib >= 256);
    target = d.toMib;
  }
  assert.ok(target <= 256 + 64, `near the floor: ${target}`);
  assert.ok(now <= 18_000, `in ${now / 1000} s`);
  assert.deepEqual(
    planMemory(
      [zone("b", 300, { totalMib: 280, availableMib: 220 })],
      4096,
      new MemoryPolicyState(),
      60_000,
    ),
    [],
    "within the slack of what it wants",
  );
});

Deno.test("a zone under pressure never shrinks, even at its max", () => {
  const state = new MemoryPolicyState();
  const z = zone("a", 1024, { totalMib: 1000, availableMib: 500, pressureSome: 1.5 });
  for (const now of [0, 5_000, 10_000]) assert.deepEqual(planMemory([z], 4096, state, now), []);
});

Deno.test("a zone that just grew does not shrink at once (hysteresis)", () => {
  const state = new MemoryPolicyState();
  planMemory([zone("a", 256, { totalMib: 240, availableMib: 30 })], 4096, state, 0);
  const after = zone("a", 384, { totalMib: 370, availableMib: 330 });
  assert.deepEqual(planMemory([after], 4096, state, 1_000), []);
  assert.deepEqual(planMemory([after], 4096, state, 6_000), [], "calm 5 s, grew 6 s ago");
  assert.equal(planMemory([after], 4096, state, 10_000).length, 1, "calm and 10 s since growth");
});

Deno.test("when the host is short, donors give their unused memory at once, before acceptors take", () => {
  const state = new MemoryPolicyState();
  const zones = [
    zone("hungry", 512, { totalMib: 500, availableMib: 20 }),
    zone("idle", 1024, { totalMib: 1000, availableMib: 900 }),
  ];
  const decisions = planMemory(zones, 300, state, 0);
  assert.deepEqual(decisions.map((d) => [d.name, d.toMib]), [["idle", 256], ["hungry", 556]]);
  assert.match(decisions[0].reason, /gives 768 MiB it does not use/);
});
