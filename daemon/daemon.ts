import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkTools } from "../lib/tools/mod.ts";
import { ProcessDriver } from "./hypervisor/process/process_driver.ts";
import { XenDriver } from "./hypervisor/xen/xen_driver.ts";
import { ControlService } from "../proto/mod.ts";
import { createLogger, type Logger, type LogLevel } from "../lib/log/mod.ts";
import { type ProtectPaths, protectPaths } from "../lib/paths/mod.ts";
import {
  claimSocketPath,
  errorInterceptor,
  serveUnix,
  shareSocketWithGroup,
  type UnixServer,
} from "../lib/rpc/mod.ts";
import { type ApiContext, controlService } from "./api/mod.ts";
import { buildCore } from "./core.ts";
import { type DaemonConfig, loadDaemonConfig } from "./config/mod.ts";
import { FakeDriver, type HypervisorDriver } from "./hypervisor/mod.ts";
import { loadOrCreateHostUuid, openDatabase } from "./state/mod.ts";
import { StorageConnection } from "./clients/storage_client.ts";
import { NetworkConnection } from "./clients/network_client.ts";

export interface DaemonOptions {
  /** Root under which every path lives ("/" in production). */
  root: string;
  /** Overrides daemon.toml's log level. */
  logLevel?: LogLevel;
  /** Where log lines go; stderr by default. */
  logSink?: (line: string) => void;
}

export interface RunningDaemon {
  paths: ProtectPaths;
  config: DaemonConfig;
  reconciler: ApiContext["reconciler"];
  close(): Promise<void>;
}

function createDriver(config: DaemonConfig, paths: ProtectPaths, log: Logger): HypervisorDriver {
  if (config.driver === "process") {
    log.warn(
      "hypervisor driver 'process': zones are namespaced processes on this host; NO hardware isolation",
    );
    return new ProcessDriver({
      zonesDir: join(paths.zonesDir, "process"),
      endpointPath: join(paths.runDir, "zones.sock"),
      denoPath: Deno.execPath(),
      agentEntry: fileURLToPath(new URL("../zone/main.ts", import.meta.url)),
      bootTimeoutMs: config.bootTimeoutMs,
      log: log.with({ driver: "process" }),
      spareAgent: true,
    });
  }
  if (config.driver === "xen") {
    return new XenDriver({
      boot: config.xen,
      bootTimeoutMs: config.bootTimeoutMs,
      libxlLogPath: join(paths.stateDir, "libxl.log"),
      consoleLogDir: config.xen.consoleLogDir,
      stateDir: paths.stateDir,
      log: log.with({ driver: "xen" }),
    });
  }
  log.warn(
    "hypervisor driver 'fake': zones are simulated in memory; nothing runs and nothing is isolated",
  );
  return new FakeDriver({
    bootDelayMs: config.fakeBootDelayMs,
    statePath: join(paths.stateDir, "fake-driver.json"),
  });
}

/** Wires state, driver, reconciler and API together and starts serving. */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const paths = protectPaths(options.root);
  for (const dir of [paths.runDir, paths.stateDir, paths.configDir]) {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o750 });
  }
  const config = loadDaemonConfig(paths.daemonConfig);
  for (const root of config.shareRoots) {
    // A root outside the grant would fail every share of it, later and less clearly.
    if (Deno.permissions.querySync({ name: "read", path: root }).state !== "granted") {
      throw new Error(
        `${paths.daemonConfig}: shares.roots has ${root}, which the daemon may not read; ` +
          'add it to the daemon\'s "read" grant in deno.json, or remove it',
      );
    }
  }
  const log = createLogger("daemon", {
    level: options.logLevel ?? config.logLevel,
    sink: options.logSink,
  });
  // Before touching state: a second daemon on this root must not reconcile
  // (and destroy "orphans") behind the back of the one already serving.
  // The process driver spawns unshare, kill and ps; its zone agents run runc.
  if (config.driver === "process") await checkTools(["unshare", "kill", "ps", "runc"]);
  await claimSocketPath(paths.daemonSocket, log);
  const db = openDatabase(paths.database);
  const hostUuid = loadOrCreateHostUuid(paths.hostUuid);
  const driver = createDriver(config, paths, log);
  const core = buildCore({
    db,
    config,
    hostUuid,
    driver,
    storage: new StorageConnection(paths.storageSocket),
    network: new NetworkConnection(paths.networkSocket),
    logsDir: join(paths.stateDir, "logs"),
    hostMountsDir: join(paths.stateDir, "mounts"),
    log,
  });
  const { reconciler } = core;
  await reconciler.recover();
  core.workloadManager.recover();

  let server: UnixServer;
  try {
    server = await serveUnix({
      path: paths.daemonSocket,
      log,
      // Metrics outermost: they see the mapped error of every failed call.
      interceptors: [core.rpcMetrics.interceptor(), errorInterceptor(log)],
      // Requests are small; anything bigger is a bug or an attack.
      readMaxBytes: 4 * 1024 * 1024,
      routes: (router) => router.service(ControlService, controlService(core)),
    });
  } catch (e) {
    await reconciler.stop();
    driver.close?.();
    db.close();
    throw e;
  }
  shareSocketWithGroup(paths.daemonSocket, config.socketGroup, log);
  log.info("protect-daemon serving", { socket: paths.daemonSocket, driver: driver.name });
  return {
    paths,
    config,
    reconciler,
    close: async () => {
      await reconciler.stop();
      // Long-lived streams (watch, snoop, logs -f) would hold the server open.
      core.bus.close();
      core.snoop.close();
      core.workloadLogs.close();
      await server.close();
      driver.close?.();
      db.close();
      log.info("protect-daemon stopped");
    },
  };
}
