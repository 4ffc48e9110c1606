import assert from "node:assert/strict";
import { ZoneState } from "../../proto/mod.ts";
import type { GuestFigures, HypervisorIntrospection } from "../hypervisor/mod.ts";
import { createHarness } from "../testing/harness.ts";

async function readyZone(h: ReturnType<typeof createHarness>, name: string): Promise<string> {
  const { zoneId } = await h.client.createZone({ spec: { name } });
  for (let i = 0; i < 200; i++) {
    const { zone } = await h.client.getZone({ zoneId });
    if (zone?.status?.state === ZoneState.READY) return zoneId;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`zone ${name} did not become READY`);
}

Deno.test("ReadHostMetrics: zones from the store, the daemon's RPC counts; no guest figures without a hypervisor", async () => {
  const h = createHarness();
  try {
    await readyZone(h, "m1");
    await h.client.getZone({ zoneId: "nope" }).catch(() => {});
    const m = await h.client.readHostMetrics({ includeInZone: true });
    assert.equal(m.host?.driver, "fake");
    assert.equal(m.host?.hypervisorVersion, "", "no hypervisor, no version");
    assert.ok(m.host!.cpus > 0);
    const [z] = m.zones;
    assert.equal(z.name, "m1");
    assert.equal(z.state, ZoneState.READY);
    assert.ok(z.readyAt, "ready timestamp");
    assert.equal(z.guest, undefined);
    const getZone = m.daemon!.rpcs.find((r) => r.method.endsWith("/GetZone"))!;
    assert.ok(getZone.calls >= 2n);
    assert.equal(getZone.errors, 1n, "the unknown zone");
    assert.equal(getZone.bucketCounts.length, getZone.bucketBoundsSeconds.length);
    assert.ok(getZone.bucketCounts.at(-1)! <= getZone.calls);
  } finally {
    await h.close();
  }
});

Deno.test("ReadHostMetrics: a hypervisor's guest figures go with their zone", async () => {
  const h = createHarness();
  try {
    const zoneId = await readyZone(h, "m2");
    const figures: GuestFigures = {
      onlineVcpus: 1,
      maxVcpus: 2,
      cpuSeconds: 1.5,
      memoryCurrentBytes: 256n << 20n,
      memoryTargetBytes: 256n << 20n,
      memoryMaxBytes: 512n << 20n,
    };
    // Test double: the fake driver has no hypervisor; this one knows one guest.
    const hypervisor: Partial<HypervisorIntrospection> = {
      guests: () => new Map([[zoneId, figures]]),
      memory: () => ({ totalBytes: 4n << 30n, freeBytes: 1n << 30n }),
      cpuTopology: () => [{ cpu: 0, core: 0, socket: 0, node: 0 }],
    };
    Object.defineProperty(h.driver, "hypervisor", { value: hypervisor });
    const m = await h.client.readHostMetrics({});
    assert.equal(m.host?.hypervisorVersion, await h.driver.version());
    assert.equal(m.host?.totalMemoryBytes, 4n << 30n);
    assert.equal(m.host?.cpus, 1);
    assert.deepEqual(
      { ...m.zones[0].guest, $typeName: undefined },
      { ...figures, $typeName: undefined },
    );
  } finally {
    await h.close();
  }
});
