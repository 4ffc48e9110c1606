import type { Client } from "@connectrpc/connect";
import type { ControlService, ReadHostMetricsResponse } from "../../proto/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { socketIsLive } from "../../lib/rpc/mod.ts";
import { type DaemonHealth, hostFamilies } from "./host_families.ts";
import type { MetricFamily } from "./prometheus_text.ts";

/** How long one scrape waits for protect-daemon (the agents get 2 s of it, in parallel). */
const DAEMON_TIMEOUT_MS = 5_000;

/**
 * One scrape: protect-daemon's ReadHostMetrics (with the agents' in-zone figures) and whether
 * the other daemons accept connections. A daemon that does not answer leaves only the health
 * families, and is logged once per outage (Prometheus scrapes every few seconds).
 */
export function metricsCollector(
  daemon: Client<typeof ControlService>,
  sockets: { daemon: string; storage: string; network: string; cri: string },
  log: Logger,
): () => Promise<MetricFamily[]> {
  let daemonDown = false;
  const others = [
    ["storage", sockets.storage],
    ["network", sockets.network],
    ["cri", sockets.cri],
  ] as const;
  return async () => {
    let read: ReadHostMetricsResponse | undefined;
    try {
      read = await daemon.readHostMetrics({ includeInZone: true }, {
        timeoutMs: DAEMON_TIMEOUT_MS,
      });
      if (daemonDown) log.info("protect-daemon answers again", { socket: sockets.daemon });
      daemonDown = false;
    } catch (error) {
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
}
