import { type Client, createClient } from "@connectrpc/connect";
import { ControlService, HypervisorBackend } from "../../proto/mod.ts";
import { createLogger } from "../../lib/log/mod.ts";
import { createInMemoryTransport, errorInterceptor, type Routes } from "../../lib/rpc/mod.ts";
import { controlService } from "../api/mod.ts";
import {
  type DaemonConfig,
  DEFAULT_IDM_LIMITS,
  DEFAULT_IDM_POLICY,
  DEFAULT_XEN_CONFIG,
} from "../config/mod.ts";
import { FakeDriver } from "../hypervisor/mod.ts";
import { openDatabase } from "../state/mod.ts";
import type { ZoneReconciler } from "../reconciler/mod.ts";
import { buildCore } from "../core.ts";
import { StorageConnection } from "../clients/storage_client.ts";

export interface Harness {
  client: Client<typeof ControlService>;
  /** The same service, for serving it on a socket too (benchmarks). */
  routes: Routes;
  driver: FakeDriver;
  reconciler: ZoneReconciler;
  logs: string[];
  close(): Promise<void>;
}

/**
 * The daemon's logic over an in-memory database, fake driver and in-memory
 * transport: fast unit tests of the API and reconciler, no socket; workload logs in a temp dir.
 */
export function createHarness(bootDelayMs = 5): Harness {
  const logs: string[] = [];
  const log = createLogger("test", { level: "debug", sink: (l) => logs.push(l) });
  const db = openDatabase(":memory:");
  const config: DaemonConfig = {
    logLevel: "debug",
    driver: "fake",
    zoneDefaults: { memoryMib: 256, cpus: 1, backend: HypervisorBackend.AUTO },
    fakeBootDelayMs: bootDelayMs,
    bootTimeoutMs: 30_000,
    shareRoots: [],
    imageFormat: "squashfs",
    socketGroup: "protect",
    idm: DEFAULT_IDM_POLICY,
    idmLimits: DEFAULT_IDM_LIMITS,
    xen: DEFAULT_XEN_CONFIG,
  };
  const driver = new FakeDriver({ bootDelayMs });
  const logsDir = Deno.makeTempDirSync({ prefix: "protect-harness-logs-" });
  const core = buildCore({
    db,
    config,
    hostUuid: "00000000-0000-4000-8000-000000000000",
    driver,
    storage: new StorageConnection("/nonexistent/storage.sock"),
    logsDir,
    hostMountsDir: "/nonexistent/mounts",
    log,
  });
  const { reconciler } = core;
  const service = controlService(core);
  const routes: Routes = (router) => router.service(ControlService, service);
  const transport = createInMemoryTransport(routes, {
    interceptors: [core.rpcMetrics.interceptor(), errorInterceptor(log)],
  });
  return {
    client: createClient(ControlService, transport),
    routes,
    driver,
    reconciler,
    logs,
    close: async () => {
      await reconciler.stop();
      core.workloadLogs.close();
      db.close();
      Deno.removeSync(logsDir, { recursive: true });
    },
  };
}
