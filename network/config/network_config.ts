import { integer, loadOrCreateToml, oneOf, stringList, table } from "../../lib/config/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { LOG_LEVELS, type LogLevel } from "../../lib/log/mod.ts";
import { AddressPool, formatIp, parseIp } from "../ipam/mod.ts";

export interface NetworkConfig {
  logLevel: LogLevel;
  ipv4Pool: AddressPool;
  ipv6Pool: AddressPool;
  /** MTU of zone links (both ends). */
  mtu: number;
  /** Handed to zones; empty = the host's own non-loopback nameservers. */
  dnsServers: string[];
}

/** A random RFC 4193 ULA /48 (fd + 40 random bits), chosen once, on first start. */
export function randomUla48(bytes = crypto.getRandomValues(new Uint8Array(5))): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const network = `fd${hex.slice(0, 2)}:${hex.slice(2, 6)}:${hex.slice(6, 10)}::`;
  return `${formatIp(parseIp(network, "ipv6_pool"))}/48`;
}

/** Written to network.toml on first start; every setting listed with its default. */
export function defaultNetworkToml(ula = randomUla48()): string {
  return `# protect-network configuration. Delete this file to get the defaults back
# (the IPv6 pool is then drawn again at random).

[network]
# debug, info, warn or error
log_level = "info"
# Zone addresses. The first address after each network is the gateway (the host
# side of every zone link); zones get the ones after it.
ipv4_pool = "10.75.0.0/16"
# A ULA /48 drawn at random on first start (RFC 4193), so hosts do not collide.
ipv6_pool = "${ula}"
# MTU of every zone link, both ends.
mtu = 1500
# DNS servers handed to zones. Empty: the host's own nameservers from
# /etc/resolv.conf, leaving out loopback ones (a zone cannot reach those).
dns_servers = []
`;
}

/** Loads network.toml (creating it with defaults), naming any bad key. */
export function loadNetworkConfig(path: string): NetworkConfig {
  const doc = loadOrCreateToml(path, defaultNetworkToml());
  const network = table(doc, "network", "");
  const pool = (key: string, family: 4 | 6, fallback: string) => {
    const value = network[key] ?? fallback;
    if (typeof value !== "string") {
      throw new InvalidArgumentError(`network.${key}`, "must be a string");
    }
    const p = new AddressPool(value, `network.${key}`);
    if (p.cidr.family !== family) {
      throw new InvalidArgumentError(`network.${key}`, `must be an IPv${family} network`);
    }
    return p;
  };
  return {
    logLevel: oneOf(network, "log_level", "network.", LOG_LEVELS, "info"),
    ipv4Pool: pool("ipv4_pool", 4, "10.75.0.0/16"),
    ipv6Pool: pool("ipv6_pool", 6, randomUla48()),
    mtu: integer(network, "mtu", "network.", 1280, 65535, 1500),
    dnsServers: stringList(network, "dns_servers", "network.").map((s, i) =>
      formatIp(parseIp(s, `network.dns_servers[${i}]`))
    ),
  };
}

/** Nameservers from resolv.conf text, leaving out loopback ones (unreachable from a zone). */
export function hostNameservers(resolvConf: string): string[] {
  return resolvConf.split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([key, value]) => key === "nameserver" && value && !/^(127\.|::1$)/.test(value))
    .map(([, value]) => value)
    .slice(0, 3);
}
