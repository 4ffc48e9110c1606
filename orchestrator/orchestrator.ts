import { createClient } from "@connectrpc/connect";
import { ControlService } from "../proto/mod.ts";
import { createLogger, type LogLevel } from "../lib/log/mod.ts";
import { type ProtectPaths, protectPaths } from "../lib/paths/mod.ts";
import { claimSocketPath, createUnixTransport, shareSocketWithGroup } from "../lib/rpc/mod.ts";
import { runResourceLoop } from "./resources/mod.ts";
import { runDeclaredZones } from "./declared/mod.ts";
import { runWarmPool } from "./pool/mod.ts";

/** How often the warm pool is looked at (a claimed zone is replaced within this). */
const POOL_INTERVAL_MS = 1000;
import { loadOrchestratorConfig, type OrchestratorConfig } from "./config/orchestrator_config.ts";
import { metricsCollector, metricsHandler, serveMetrics } from "./metrics/mod.ts";

export interface OrchestratorOptions {
  root: string;
  logLevel?: LogLevel;
  logSink?: (line: string) => void;
}

export interface RunningOrchestrator {
  paths: ProtectPaths;
  config: OrchestratorConfig;
  close(): Promise<void>;
}

/** Wires config, the daemon client and the metrics endpoint. */
export async function startOrchestrator(
  options: OrchestratorOptions,
): Promise<RunningOrchestrator> {
  const paths = protectPaths(options.root);
  const config = loadOrchestratorConfig(paths.orchestratorConfig);
  const log = createLogger("orchestrator", {
    level: options.logLevel ?? config.logLevel,
    sink: options.logSink,
  });
  const transport = createUnixTransport(paths.daemonSocket);
  const daemon = createClient(ControlService, transport);
  const collect = metricsCollector(daemon, {
    daemon: paths.daemonSocket,
    storage: paths.storageSocket,
    network: paths.networkSocket,
    cri: paths.criSocket,
  }, log);
  await claimSocketPath(paths.orchestratorSocket, log);
  const server = await serveMetrics(
    [{ path: paths.orchestratorSocket }, ...(config.metricsAddress ? [config.metricsAddress] : [])],
    metricsHandler(collect),
    log,
  );
  shareSocketWithGroup(paths.orchestratorSocket, config.socketGroup, log);
  const stop = new AbortController();
  const resizing = runResourceLoop(daemon, config.resources, log, stop.signal);
  const declaring = runDeclaredZones(
    daemon,
    {
      dir: paths.declaredZonesDir,
      intervalMs: config.declared.intervalMs,
      timeoutMs: config.declared.bootTimeoutMs,
    },
    log,
    stop.signal,
  );
  const pooling = runWarmPool(
    daemon,
    { shapes: config.pool, intervalMs: POOL_INTERVAL_MS },
    log,
    stop.signal,
  );
  log.info("protect-orchestrator serving", {
    socket: paths.orchestratorSocket,
    pool: config.pool.map((shape) => `${shape.name}:${shape.size}`).join(", ") || "off",
    ...(config.metricsAddress
      ? { tcp: `${config.metricsAddress.hostname}:${config.metricsAddress.port}` }
      : {}),
  });
  return {
    paths,
    config,
    close: async () => {
      stop.abort();
      await Promise.all([resizing, declaring, pooling]);
      await server.close();
      transport.close();
      try {
        Deno.removeSync(paths.orchestratorSocket);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      log.info("protect-orchestrator stopped");
    },
  };
}
