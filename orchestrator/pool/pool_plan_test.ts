import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { type Zone, ZoneSchema, ZoneState } from "../../proto/mod.ts";
import { parsePoolShapes } from "./pool_shape.ts";
import { planPool, type PoolAction } from "./pool_plan.ts";

const [small, big] = parsePoolShapes([{ name: "small", size: 2 }, {
  name: "big",
  size: 1,
  memory_mib: 1024,
}]);

let clock = 0;
function poolZone(name: string, state: ZoneState, shape = small, hash = shape.hash): Zone {
  return create(ZoneSchema, {
    id: `id-${name}`,
    spec: {
      ...shape.spec,
      name,
      annotations: { ...shape.spec.annotations, "protect.dev/pool-shape-hash": hash },
    },
    status: { state, createdAt: { seconds: BigInt(++clock) }, error: "boom" },
  });
}
const noWait = { waitMs: () => 0 };
const describe = (actions: PoolAction[]) =>
  actions.map((a) =>
    a.kind === "create" ? `create ${a.shape.name}` : `destroy ${a.zone.spec?.name}`
  );

Deno.test("planPool: an empty pool boots one zone at a time, the first short shape first", () => {
  assert.deepEqual(describe(planPool([small, big], [], noWait)), ["create small"]);
  const booting = [poolZone("p1", ZoneState.CREATING)];
  assert.deepEqual(describe(planPool([small, big], booting, noWait)), []);
  const pooled = [poolZone("p1", ZoneState.POOLED), poolZone("p2", ZoneState.POOLED)];
  assert.deepEqual(describe(planPool([small, big], pooled, noWait)), ["create big"]);
  const full = [...pooled, poolZone("b1", ZoneState.POOLED, big)];
  assert.deepEqual(planPool([small, big], full, noWait), []);
});

Deno.test("planPool: claimed and ordinary zones are not the pool's", () => {
  const claimed = create(ZoneSchema, {
    id: "c",
    spec: { name: "web" },
    status: { state: ZoneState.READY, fromPool: true },
  });
  assert.deepEqual(describe(planPool([small], [claimed], noWait)), ["create small"]);
  claimed.status!.state = ZoneState.CREATED;
  assert.deepEqual(planPool([small], [claimed], noWait), [], "no refill while a zone boots");
});

Deno.test("planPool: failed, orphaned, turned-off, changed and surplus pool zones go", () => {
  const [off] = parsePoolShapes([{ name: "small", size: 0 }]);
  const actions = planPool([small], [
    poolZone("failed", ZoneState.FAILED),
    poolZone("stale", ZoneState.POOLED, small, "0123"),
    poolZone("orphan", ZoneState.POOLED, big),
    poolZone("going", ZoneState.DESTROYING),
    poolZone("a", ZoneState.POOLED),
    poolZone("b", ZoneState.POOLED),
    poolZone("c", ZoneState.POOLED),
  ], noWait);
  assert.deepEqual(describe(actions), [
    "destroy failed",
    "destroy stale",
    "destroy orphan",
    "destroy c",
  ]);
  const reasons = actions.map((a) => a.reason);
  assert.match(reasons[0], /it failed: boom/);
  assert.match(reasons[1], /changed since it booted/);
  assert.match(reasons[2], /no \[\[pool\]\] shape is named "big"/);
  assert.match(reasons[3], /has 3 zones, wants 2/);
  assert.deepEqual(
    describe(planPool([off], [poolZone("a", ZoneState.POOLED)], noWait)),
    ["destroy a"],
  );
});

Deno.test("planPool: a shape in back-off waits", () => {
  assert.deepEqual(planPool([small], [], { waitMs: () => 4000 }), []);
});
