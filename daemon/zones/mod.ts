/** Zone records and their announced state changes. */
export { ZoneLedger } from "./zone_ledger.ts";
export { ZoneNetworking, type ZoneNetworkSetup } from "./zone_network.ts";
export { withSpecDns } from "./zone_dns.ts";
