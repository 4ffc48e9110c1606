import type { DatabaseSync } from "node:sqlite";
import { ZoneState } from "../proto/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import type { ApiContext } from "./api/mod.ts";
import type { DaemonConfig } from "./config/mod.ts";
import { EventBus } from "./events/mod.ts";
import type { HypervisorDriver } from "./hypervisor/mod.ts";
import { ZoneReconciler } from "./reconciler/mod.ts";
import { EventLog, WorkloadStore, ZoneStore } from "./state/mod.ts";
import type { StorageConnection } from "./clients/storage_client.ts";
import type { NetworkConnection } from "./clients/network_client.ts";
import { WorkloadLogs } from "./workloads/workload_logs.ts";
import { WorkloadManager } from "./workloads/workload_manager.ts";
import { ZoneLedger, ZoneMemoryReports, ZoneNetworking } from "./zones/mod.ts";
import { SnoopHub } from "./idm/snoop_hub.ts";
import { IdmPolicy } from "./idm/idm_policy.ts";
import { IdmRateLimits } from "./idm/idm_rate_limits.ts";
import { RpcMetrics } from "../lib/rpc/mod.ts";
import { kernelImageFiles } from "./zones/kernel_image.ts";
import { deviceVolumes, ZoneDevices } from "./devices/mod.ts";

export interface CoreInputs {
  db: DatabaseSync;
  config: DaemonConfig;
  hostUuid: string;
  driver: HypervisorDriver;
  storage: StorageConnection;
  network?: NetworkConnection;
  /** Where workload output is kept (one file per workload). */
  logsDir: string;
  /** Host directories workloads mount are copied from here, or shared (see shareRoots). */
  hostMountsDir: string;
  log: Logger;
}

/**
 * The daemon's logic, wired: stores, event bus, zone reconciler, workload
 * manager, and the context the API handlers use. Shared by the real daemon
 * and the in-memory test harness so both run the same wiring.
 */
export function buildCore(inputs: CoreInputs): ApiContext {
  const { db, driver, log } = inputs;
  const bus = new EventBus();
  const events = new EventLog(db);
  const zones = new ZoneLedger(new ZoneStore(db), events, bus, log);
  const workloads = new WorkloadStore(db);
  const workloadLogs = new WorkloadLogs(inputs.logsDir);
  const networking = new ZoneNetworking(inputs.network, driver.name, log);
  const devices = new ZoneDevices({
    driver,
    zones,
    workloads,
    deviceVolumes: () => deviceVolumes(inputs.storage),
    log,
  });
  const workloadManager = new WorkloadManager({
    workloads,
    zones,
    driver,
    storage: inputs.storage,
    logs: workloadLogs,
    hostMountsDir: inputs.hostMountsDir,
    imageFormat: inputs.config.imageFormat,
    devices,
    events,
    bus,
    log,
    publishPorts: async (zoneId, ports) => {
      await networking.attach(zones.store.get(zoneId), await driver.networkLink?.(zoneId), ports);
    },
  });
  const memoryReports = new ZoneMemoryReports(log);
  const idmPolicy = new IdmPolicy(inputs.config.idm, log);
  const idmLimits = new IdmRateLimits(inputs.config.idmLimits, log);
  const snoop = new SnoopHub();
  driver.onChannel?.((zoneId, peer) => {
    const zone = zones.store.find(zoneId);
    idmPolicy.guard(
      { id: zoneId, name: zone?.name ?? zoneId, annotations: zone?.spec.annotations ?? {} },
      peer,
      (packet) => snoop.tap(zoneId, "denied", packet),
    );
    idmLimits.guard({ id: zoneId, name: zone?.name ?? zoneId }, peer);
    workloadManager.attach(zoneId, peer);
    memoryReports.attach(zoneId, peer);
  });
  zones.onChange((zone) => workloadManager.zoneChanged(zone));
  zones.onForget((zoneId) => {
    workloadManager.zoneForgotten(zoneId);
    memoryReports.forget(zoneId);
    idmPolicy.forget(zoneId);
    idmLimits.forget(zoneId);
  });
  driver.onGuestExit?.((zoneId, reason, crashed) => {
    // Only READY and POOLED zones: a guest lost while booting fails the boot step itself.
    const state = zones.store.find(zoneId)?.state;
    if (state === ZoneState.POOLED) {
      // A pool zone has nothing to exit for: whatever stopped it, it is unusable.
      zones.transition(zoneId, ZoneState.FAILED, { error: `pool zone: ${reason}` });
      return;
    }
    if (state !== ZoneState.READY) return;
    zones.transition(zoneId, crashed ? ZoneState.FAILED : ZoneState.EXITED, {
      error: crashed ? reason : "",
      exitedAt: new Date(),
    });
  });
  driver.onPacket?.((zoneId, direction, packet) => snoop.tap(zoneId, direction, packet));
  return {
    config: inputs.config,
    hostUuid: inputs.hostUuid,
    startedAt: new Date(),
    driver,
    shareRoots: [inputs.hostMountsDir, ...inputs.config.shareRoots],
    zones,
    workloads,
    reconciler: new ZoneReconciler({
      ledger: zones,
      driver,
      network: networking,
      kernelFiles: (reference) => kernelImageFiles(inputs.storage, reference, log),
      devices,
      log,
    }),
    bus,
    storage: inputs.storage,
    network: inputs.network,
    workloadManager,
    devices,
    workloadLogs,
    snoop,
    memoryReports,
    idmPolicy,
    idmLimits,
    rpcMetrics: new RpcMetrics(),
    log,
  };
}
