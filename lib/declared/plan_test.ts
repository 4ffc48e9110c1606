import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  type Workload,
  WorkloadSchema,
  WorkloadState,
  type Zone,
  ZoneSchema,
  ZoneState,
} from "../../proto/mod.ts";
import { parseDeclaration } from "./declaration.ts";
import { describeAction, planDeclaration } from "./plan.ts";

const decl = parseDeclaration(
  `[zone]\nname = "web"\n[[workloads]]\nname = "server"\nimage = "x"\n` +
    `[[workloads]]\nname = "job"\nimage = "x"\nrestart = "never"\n`,
  "/etc/protect/zones.d/web.toml",
);

const zoneOf = (state: ZoneState, annotations = decl.zone.annotations, error = ""): Zone =>
  create(ZoneSchema, {
    id: "z1",
    spec: { name: "web", annotations },
    status: { state, error },
  });
const workload = (name: string, state: WorkloadState, exitCode = 0): Workload =>
  create(WorkloadSchema, {
    id: `w-${name}`,
    zoneId: "z1",
    spec: { name },
    status: { state, exitCode },
  });

Deno.test("planDeclaration: nothing there → the zone and its workloads", () => {
  const plan = planDeclaration(decl, [], []);
  assert.deepEqual(plan.map(describeAction), [
    "+ zone web (declared, not running)",
    "+ workload server in web (declared)",
    "+ workload job in web (declared)",
  ]);
});

Deno.test("planDeclaration: READY and running → nothing; ended workloads by their restart policy", () => {
  const running = [
    workload("server", WorkloadState.RUNNING),
    workload("job", WorkloadState.RUNNING),
  ];
  assert.deepEqual(planDeclaration(decl, [zoneOf(ZoneState.READY)], running), []);
  const ended = [
    workload("server", WorkloadState.COMPLETED, 3),
    workload("job", WorkloadState.COMPLETED, 3),
  ];
  assert.deepEqual(planDeclaration(decl, [zoneOf(ZoneState.READY)], ended).map(describeAction), [
    "~ workload server in web: run again (workload server exited 3; restart = on-failure)",
  ]);
  const clean = [
    workload("server", WorkloadState.COMPLETED, 0),
    workload("job", WorkloadState.COMPLETED, 3),
  ];
  assert.deepEqual(planDeclaration(decl, [zoneOf(ZoneState.READY)], clean), [], "exit 0 is done");
  assert.deepEqual(planDeclaration(decl, [zoneOf(ZoneState.CREATING)], []), [], "still booting");
});

Deno.test("planDeclaration: a failed zone, a changed declaration, a zone that is not ours", () => {
  const failed = planDeclaration(
    decl,
    [zoneOf(ZoneState.FAILED, decl.zone.annotations, "crash")],
    [],
  );
  assert.equal(
    describeAction(failed[0]),
    "~ zone web: destroy and create again (zone is FAILED: crash)",
  );
  const changed = planDeclaration(
    decl,
    [zoneOf(ZoneState.READY, { ...decl.zone.annotations, "protect.dev/declared-hash": "old" })],
    [],
  );
  assert.equal(changed[0].kind, "replace-zone");
  assert.throws(
    () => planDeclaration(decl, [zoneOf(ZoneState.READY, {})], []),
    /zone web exists and was not declared, not by \/etc\/protect\/zones\.d\/web\.toml/,
  );
});
