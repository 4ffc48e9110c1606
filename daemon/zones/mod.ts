/** Zone records and their announced state changes. */
export { ZoneLedger } from "./zone_ledger.ts";
export { ZoneMemoryReports } from "./zone_memory_reports.ts";
export { ZoneNetworking, type ZoneNetworkSetup } from "./zone_network.ts";
export { withSpecDns } from "./zone_dns.ts";
export { findPoolZone, poolShapeMismatch } from "./zone_pool.ts";
