/** Address management for protect-network: IPv4/IPv6 pools (zone MACs: lib/mac). */
export { type Cidr, formatIp, type IpAddress, parseCidr, parseIp } from "./ip_address.ts";
export { AddressPool } from "./address_pool.ts";
