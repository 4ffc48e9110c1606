import { DEFAULT_XEN_CONFIG } from "../config/mod.ts";
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
import { openDatabase } from "../state/mod.ts";
import { StorageConnection } from "../clients/storage_client.ts";

Deno.test("after a restart, workloads caught mid-start are FAILED with the reason", () => {
  const db = openDatabase(":memory:");
  const core = buildCore({
    db,
    config: {
      logLevel: "error",
      driver: "fake",
      zoneDefaults: { memoryMib: 64, cpus: 1 },
      fakeBootDelayMs: 0,
      bootTimeoutMs: 1000,
      xen: DEFAULT_XEN_CONFIG,
    },
    hostUuid: "h",
    driver: new FakeDriver({ bootDelayMs: 0 }),
    storage: new StorageConnection("/nonexistent"),
    log: createLogger("t", { level: "error", sink: () => {} }),
  });
  core.zones.store.insert({
    id: "z1",
    name: "z",
    spec: create(ZoneSpecSchema, { name: "z" }),
    desired: "present",
    state: ZoneState.READY,
    error: "",
    driver: "fake",
    domainId: 1,
    backend: HypervisorBackend.PV,
    exitCode: 0,
    createdAt: new Date(),
    ipv4: "",
    ipv6: "",
  });
  for (
    const [id, state] of [["w1", WorkloadState.CREATING], ["w2", WorkloadState.RUNNING]] as const
  ) {
    core.workloads.insert({
      id,
      zoneId: "z1",
      name: id,
      spec: create(WorkloadSpecSchema, { name: id }),
      state,
      error: "",
      exitCode: 0,
      createdAt: new Date(),
    });
  }
  core.workloadManager.recover();
  assert.equal(core.workloads.get("w1").state, WorkloadState.FAILED);
  assert.match(core.workloads.get("w1").error, /daemon restarted while the workload was starting/);
  assert.equal(core.workloads.get("w2").state, WorkloadState.RUNNING, "running ones keep running");
  db.close();
});
