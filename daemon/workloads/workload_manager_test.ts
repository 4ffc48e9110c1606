import { DEFAULT_IDM_LIMITS, DEFAULT_IDM_POLICY, DEFAULT_XEN_CONFIG } from "../config/mod.ts";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  HypervisorBackend,
  WorkloadSpecSchema,
  WorkloadState,
  ZoneSpecSchema,
  ZoneState,
} from "../../proto/mod.ts";
import { createLogger } from "../../lib/log/mod.ts";
import { buildCore } from "../core.ts";
import { FakeDriver } from "../hypervisor/mod.ts";
import { EventLog, openDatabase } from "../state/mod.ts";
import { StorageConnection } from "../clients/storage_client.ts";

/** A core on the fake driver with zone z1 in `zoneState` and workloads in the given states. */
function coreWith(
  zoneState: ZoneState,
  workloads: Array<[string, WorkloadState]>,
  volumes: Record<string, string> = {},
) {
  const driver = new FakeDriver({ bootDelayMs: 0 });
  const db = openDatabase(":memory:");
  const logsDir = Deno.makeTempDirSync({ prefix: "protect-test-logs-" });
  const core = buildCore({
    db,
    config: {
      logLevel: "error",
      driver: "fake",
      zoneDefaults: { memoryMib: 64, cpus: 1, backend: HypervisorBackend.AUTO },
      fakeBootDelayMs: 0,
      bootTimeoutMs: 1000,
      shareRoots: [],
      imageFormat: "squashfs",
      socketGroup: "protect",
      idm: DEFAULT_IDM_POLICY,
      idmLimits: DEFAULT_IDM_LIMITS,
      xen: DEFAULT_XEN_CONFIG,
    },
    hostUuid: "h",
    driver,
    storage: new StorageConnection("/nonexistent"),
    logsDir,
    hostMountsDir: "/nonexistent/mounts",
    log: createLogger("t", { level: "error", sink: () => {} }),
  });
  core.zones.store.insert({
    id: "z1",
    name: "z",
    spec: create(ZoneSpecSchema, { name: "z" }),
    desired: "present",
    state: zoneState,
    error: "",
    driver: "fake",
    domainId: 1,
    backend: HypervisorBackend.PV,
    exitCode: 0,
    createdAt: new Date(),
    ipv4: "",
    ipv6: "",
  });
  for (const [id, state] of workloads) {
    core.workloads.insert({
      id,
      zoneId: "z1",
      name: id,
      spec: create(WorkloadSpecSchema, {
        name: id,
        mounts: volumes[id] ? [{ type: "volume", source: volumes[id], destination: "/v" }] : [],
      }),
      state,
      error: "",
      exitCode: 0,
      createdAt: new Date(),
    });
  }
  return {
    core,
    db,
    driver,
    close: () => {
      core.workloadLogs.close();
      db.close();
      Deno.removeSync(logsDir, { recursive: true });
    },
  };
}

Deno.test("after a restart, workloads caught mid-start are FAILED with the reason", () => {
  const { core, close } = coreWith(ZoneState.READY, [
    ["w1", WorkloadState.CREATING],
    ["w2", WorkloadState.RUNNING],
  ]);
  core.workloadManager.recover();
  assert.equal(core.workloads.get("w1").state, WorkloadState.FAILED);
  assert.match(core.workloads.get("w1").error, /daemon restarted while the workload was starting/);
  assert.equal(core.workloads.get("w2").state, WorkloadState.RUNNING, "running ones keep running");
  close();
});

Deno.test("a zone that dies fails its live workloads with the reason and ends their followers", async () => {
  const { core, close } = coreWith(ZoneState.READY, [
    ["run", WorkloadState.RUNNING],
    ["made", WorkloadState.CREATED],
    ["done", WorkloadState.COMPLETED],
  ]);
  const follower = (async () => {
    const chunks = [];
    for await (const c of core.workloadLogs.read("run", true)) chunks.push(c);
    return chunks.length;
  })();
  core.workloadLogs.append("run", { stream: "stdout", data: new Uint8Array([104]) });
  core.zones.transition("z1", ZoneState.FAILED, { error: "kernel panic" });
  assert.equal(await follower, 1, "logs -f ended once the zone died");
  for (const id of ["run", "made"]) {
    const w = core.workloads.get(id);
    assert.equal(w.state, WorkloadState.FAILED, id);
    assert.equal(w.error, "zone z failed: kernel panic");
    assert.ok(w.exitedAt);
  }
  assert.equal(core.workloads.get("done").state, WorkloadState.COMPLETED, "ended ones stay");
  close();
});

Deno.test("a destroyed zone's workloads are announced DESTROYED before their rows go", () => {
  const { core, db, close } = coreWith(ZoneState.READY, [["w", WorkloadState.RUNNING]]);
  core.zones.transition("z1", ZoneState.DESTROYING, {});
  assert.equal(core.workloads.get("w").error, "zone z is being destroyed");
  core.zones.transition("z1", ZoneState.DESTROYED, {});
  core.zones.forget("z1");
  assert.equal(core.workloads.find("w"), undefined);
  assert.deepEqual(new EventLog(db).forSubject("w").map((e) => e.state), ["FAILED", "DESTROYED"]);
  close();
});

Deno.test("after a restart, workloads of a zone that ended meanwhile are FAILED", () => {
  const { core, close } = coreWith(ZoneState.EXITED, [["w", WorkloadState.RUNNING]]);
  core.workloadManager.recover();
  assert.equal(core.workloads.get("w").state, WorkloadState.FAILED);
  assert.equal(core.workloads.get("w").error, "zone z exited");
  close();
});

Deno.test("after a restart, a volume still attached where no live workload uses it is detached", async () => {
  const { core, driver, close } = coreWith(ZoneState.READY, [
    ["ended", WorkloadState.COMPLETED],
    ["live", WorkloadState.RUNNING],
  ], { ended: "stale", live: "kept" });
  driver.volumes.set("z1", new Set(["stale", "kept"]));
  core.workloadManager.recover();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(driver.attachedVolumes("z1"), ["kept"]);
  close();
});
