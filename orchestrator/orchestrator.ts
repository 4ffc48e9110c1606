import { createClient } from "@connectrpc/connect";
import { ControlService, type ReadHostMetricsResponse } from "../proto/mod.ts";
import { createLogger, type LogLevel } from "../lib/log/mod.ts";
import { type ProtectPaths, protectPaths } from "../lib/paths/mod.ts";
import {
  claimSocketPath,
  createUnixTransport,
  shareSocketWithGroup,
  socketIsLive,
} from "../lib/rpc/mod.ts";
import { runResourceLoop } from "./resources/mod.ts";
import { runDeclaredZones } from "./declared/mod.ts";
import { loadOrchestratorConfig, type OrchestratorConfig } from "./config/orchestrator_config.ts";
import {
  type DaemonHealth,
  hostFamilies,
  type MetricFamily,
  metricsHandler,
  serveMetrics,
} from "./metrics/mod.ts";

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

/** How long one scrape waits for protect-daemon (the agents get 2 s of it, in parallel). */
const DAEMON_TIMEOUT_MS = 5_000;

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
  const others: Array<[string, string]> = [
    ["storage", paths.storageSocket],
    ["network", paths.networkSocket],
    ["cri", paths.criSocket],
  ];
  let daemonDown = false;
  const collect = async (): Promise<MetricFamily[]> => {
    let read: ReadHostMetricsResponse | undefined;
    try {
      read = await daemon.readHostMetrics({ includeInZone: true }, {
        timeoutMs: DAEMON_TIMEOUT_MS,
      });
      if (daemonDown) log.info("protect-daemon answers again", { socket: paths.daemonSocket });
      daemonDown = false;
    } catch (error) {
      // Once per outage: Prometheus scrapes every few seconds.
      if (!daemonDown) log.warn("protect-daemon does not answer; serving health only", { error });
      daemonDown = true;
    }
    const health: DaemonHealth[] = [
      { daemon: "daemon", up: read !== undefined },
      ...await Promise.all(
        others.map(async ([name, socket]) => ({ daemon: name, up: await socketIsLive(socket) })),
      ),
    ];
    return hostFamilies(read, health);
  };
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
  log.info("protect-orchestrator serving", {
    socket: paths.orchestratorSocket,
    ...(config.metricsAddress
      ? { tcp: `${config.metricsAddress.hostname}:${config.metricsAddress.port}` }
      : {}),
  });
  return {
    paths,
    config,
    close: async () => {
      stop.abort();
      await Promise.all([resizing, declaring]);
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
