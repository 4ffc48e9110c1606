import type { Logger } from "../../lib/log/mod.ts";
import type { RpcMetrics } from "../../lib/rpc/mod.ts";
import type { DaemonConfig } from "../config/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { HypervisorDriver } from "../hypervisor/mod.ts";
import type { ZoneReconciler } from "../reconciler/mod.ts";
import type { StorageConnection } from "../clients/storage_client.ts";
import type { NetworkConnection } from "../clients/network_client.ts";
import type { WorkloadStore } from "../state/mod.ts";
import type { ZoneLedger, ZoneMemoryReports } from "../zones/mod.ts";
import type { IdmRateLimits } from "../idm/idm_rate_limits.ts";
import type { WorkloadManager } from "../workloads/workload_manager.ts";
import type { WorkloadLogs } from "../workloads/workload_logs.ts";
import type { SnoopHub } from "../idm/snoop_hub.ts";
import type { IdmPolicy } from "../idm/idm_policy.ts";
import type { ZoneDevices } from "../devices/zone_devices.ts";

/** What the RPC handlers reach; built once by the daemon. */
export interface ApiContext {
  config: DaemonConfig;
  hostUuid: string;
  startedAt: Date;
  driver: HypervisorDriver;
  /** Where zone shares may come from: protect's host-mounts directory and [shares] roots. */
  shareRoots: string[];
  zones: ZoneLedger;
  workloads: WorkloadStore;
  reconciler: ZoneReconciler;
  bus: EventBus;
  storage: StorageConnection;
  /** protect-network, for address reservations (absent in unit-test harnesses). */
  network?: NetworkConnection;
  workloadManager: WorkloadManager;
  /** Host devices given to zones. */
  devices: ZoneDevices;
  workloadLogs: WorkloadLogs;
  snoop: SnoopHub;
  /** Each zone's last pushed memory report (Xen zones' agents). */
  memoryReports: ZoneMemoryReports;
  /** Which IDM messages each zone may send; what it denied. */
  idmPolicy: IdmPolicy;
  /** Per-zone limits on what zones send over IDM, and how long each was throttled. */
  idmLimits: IdmRateLimits;
  /** Calls and latency per RPC, counted by the server's interceptor. */
  rpcMetrics: RpcMetrics;
  log: Logger;
}
