import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { ZoneState } from "../../proto/mod.ts";
import { createHarness } from "../testing/harness.ts";

Deno.test("a pool zone stops at POOLED; a launch of its shape claims it and it becomes READY as the new zone", async () => {
  const h = createHarness();
  try {
    const { zoneId: poolId } = await h.client.createZone({
      spec: { name: "pool-a-1", pool: true, annotations: { "protect.dev/pool-shape": "a" } },
    });
    await h.reconciler.idle();
    assert.equal(
      (await h.client.getZone({ zoneId: poolId })).zone?.status?.state,
      ZoneState.POOLED,
    );

    const { zoneId } = await h.client.createZone({
      spec: { name: "web", hostname: "www", annotations: { team: "a" } },
    });
    assert.equal(zoneId, poolId, "the pool zone was claimed, no new guest");
    await h.reconciler.idle();
    const { zone } = await h.client.getZone({ zoneId });
    assert.equal(zone?.status?.state, ZoneState.READY);
    assert.equal(zone?.status?.fromPool, true);
    assert.equal(zone?.spec?.name, "web");
    assert.equal(zone?.spec?.pool, false);
    assert.deepEqual(zone?.spec?.annotations, { team: "a" }, "the claimant's spec, whole");
    assert.equal((await h.client.resolveZoneId({ name: "web" })).zoneId, zoneId);
    assert.equal((await h.driver.listGuests()).length, 1);

    // The pool is empty now: the next launch boots its own zone.
    const { zoneId: cold } = await h.client.createZone({ spec: { name: "api" } });
    assert.notEqual(cold, poolId);
    await h.reconciler.idle();
    const api = (await h.client.getZone({ zoneId: cold })).zone;
    assert.equal(api?.status?.fromPool, false);
    assert.match(h.logs.join("\n"), /pool zone claimed .*zone=web pool=pool-a-1/);
  } finally {
    await h.close();
  }
});

Deno.test("claims: another shape, no_pool or a taken name leave the pool zone alone", async () => {
  const h = createHarness();
  try {
    const { zoneId: poolId } = await h.client.createZone({ spec: { name: "pool-1", pool: true } });
    await h.client.createZone({ spec: { name: "taken" }, noPool: true });
    await h.reconciler.idle();
    const big = await h.client.createZone({
      spec: { name: "big", resources: { targetMemoryMib: 512n } },
    });
    const cold = await h.client.createZone({ spec: { name: "cold" }, noPool: true });
    const dup = await h.client.createZone({ spec: { name: "taken" } }).catch((e) => e);
    assert.equal(dup.code, Code.AlreadyExists);
    assert.notEqual(big.zoneId, poolId);
    assert.notEqual(cold.zoneId, poolId);
    await h.reconciler.idle();
    const pool = (await h.client.getZone({ zoneId: poolId })).zone;
    assert.equal(pool?.spec?.name, "pool-1");
    assert.equal(pool?.status?.state, ZoneState.POOLED);
    // The orchestrator trims only unclaimed pool zones: a claimed one is refused.
    const claimed = await h.client.createZone({ spec: { name: "web" } });
    assert.equal(claimed.zoneId, poolId);
    const trim = await h.client.destroyZone({ zoneId: poolId, onlyPool: true }).catch((e) => e);
    assert.equal(trim.code, Code.FailedPrecondition);
    assert.match(trim.rawMessage, /no longer a pool zone \(a launch claimed it\); not destroyed/);
    await h.reconciler.idle();
    assert.equal((await h.client.getZone({ zoneId: poolId })).zone?.status?.state, ZoneState.READY);
  } finally {
    await h.close();
  }
});

Deno.test("a pool zone refuses what only a claim can have, naming the field", async () => {
  const h = createHarness();
  try {
    const refused = async (spec: Record<string, unknown>, pattern: RegExp) => {
      const error = await h.client.createZone({ spec: { name: "p", pool: true, ...spec } })
        .catch((e) => e);
      assert.equal(error.code, Code.InvalidArgument, JSON.stringify(spec));
      assert.match(error.rawMessage, pattern);
    };
    await refused({ hostname: "x" }, /spec\.hostname: a pool zone \(spec\.pool\) has no hostname/);
    await refused({ sysctls: { "net.core.somaxconn": "1" } }, /spec\.sysctls/);
    await refused({ network: { isolated: true } }, /spec\.network: a pool zone/);
    await refused({ shares: [{ hostPath: "/srv" }] }, /spec\.shares: a pool zone/);
    assert.equal((await h.client.listZones({})).zones.length, 0);
  } finally {
    await h.close();
  }
});

Deno.test("a pool zone whose guest stops is FAILED, and is not claimed", async () => {
  const h = createHarness();
  try {
    const { zoneId } = await h.client.createZone({ spec: { name: "pool-x", pool: true } });
    await h.reconciler.idle();
    h.driver.exitGuest(zoneId, "the guest crashed", true);
    const zone = (await h.client.getZone({ zoneId })).zone;
    assert.equal(zone?.status?.state, ZoneState.FAILED);
    assert.match(zone?.status?.error ?? "", /pool zone: the guest crashed/);
    const { zoneId: other } = await h.client.createZone({ spec: { name: "web" } });
    assert.notEqual(other, zoneId);
  } finally {
    await h.close();
  }
});
