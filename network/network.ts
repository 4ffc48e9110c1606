import { join } from "node:path";
import { NetworkService } from "../proto/gen/protect/network/v1/network_pb.ts";
import { createLogger, type LogLevel } from "../lib/log/mod.ts";
import { type ProtectPaths, protectPaths } from "../lib/paths/mod.ts";
import { claimSocketPath, errorInterceptor, serveUnix } from "../lib/rpc/mod.ts";
import { networkService } from "./api/network_service.ts";
import { hostNameservers, loadNetworkConfig, type NetworkConfig } from "./config/network_config.ts";
import { Reservations } from "./reservations/reservations.ts";
import { Attachments } from "./attachments/attachments.ts";
import { openNetworkDatabase } from "./state/network_db.ts";
import { HostLinks } from "./links/host_links.ts";
import { Nftables } from "./firewall/nftables.ts";
import { checkTools } from "../lib/tools/mod.ts";
import { ZoneNetworks } from "./zone_networks.ts";
import { followZones } from "./zone_follower.ts";

export interface NetworkOptions {
  root: string;
  logLevel?: LogLevel;
  logSink?: (line: string) => void;
}

export interface RunningNetwork {
  paths: ProtectPaths;
  config: NetworkConfig;
  close(): Promise<void>;
}

/** Wires config, the reservations store and the zone follower, and serves network.sock. */
export async function startNetwork(options: NetworkOptions): Promise<RunningNetwork> {
  const paths = protectPaths(options.root);
  const config = loadNetworkConfig(paths.networkConfig);
  const log = createLogger("network", {
    level: options.logLevel ?? config.logLevel,
    sink: options.logSink,
  });
  await checkTools(["ip", "nft", "sysctl"]);
  await claimSocketPath(paths.networkSocket, log);
  Deno.mkdirSync(paths.networkDir, { recursive: true, mode: 0o700 });
  const db = openNetworkDatabase(join(paths.networkDir, "network.db"));
  const reservations = new Reservations(db, config.ipv4Pool, config.ipv6Pool);
  const zones = new ZoneNetworks(
    config,
    reservations,
    new Attachments(db),
    new HostLinks(paths.networkDir),
    new Nftables(paths.networkDir),
    config.dnsServers.length > 0 ? config.dnsServers : readHostNameservers(),
    log,
  );
  // Repair links, routes and rules before serving: a restart must not leave gaps or duplicates.
  await zones.reconcile();
  const server = await serveUnix({
    path: paths.networkSocket,
    log,
    interceptors: [errorInterceptor(log)],
    readMaxBytes: 64 * 1024,
    routes: (router) => router.service(NetworkService, networkService(reservations, zones, log)),
  });
  const stop = new AbortController();
  const following = followZones(paths.daemonSocket, reservations, zones, log, stop.signal);
  log.info("protect-network serving", {
    socket: paths.networkSocket,
    ipv4: `${config.ipv4Pool.gateway} (gateway)`,
    ipv6: `${config.ipv6Pool.gateway} (gateway)`,
  });
  return {
    paths,
    config,
    close: async () => {
      const started = performance.now();
      stop.abort();
      await following;
      await server.close();
      db.close();
      log.info("protect-network stopped", { ms: Math.round(performance.now() - started) });
    },
  };
}

function readHostNameservers(): string[] {
  try {
    return hostNameservers(Deno.readTextFileSync("/etc/resolv.conf"));
  } catch {
    return [];
  }
}
