import type { ZoneSpec } from "../../proto/mod.ts";
import type { BootstrapNetwork } from "../hypervisor/mod.ts";

/**
 * The bootstrap network with the spec's resolv.conf over protect-network's: its servers
 * replace the network's when given, and its search domains and options are added. A zone
 * with no network still gets the resolv.conf its spec asks for.
 */
export function withSpecDns(
  network: BootstrapNetwork | undefined,
  spec: ZoneSpec,
): BootstrapNetwork | undefined {
  const dns = spec.network?.dns;
  if (!dns) return network;
  return {
    interfaces: network?.interfaces ?? [],
    dnsServers: dns.servers.length > 0 ? dns.servers : network?.dnsServers ?? [],
    dnsSearches: dns.searches,
    dnsOptions: dns.options,
  };
}
