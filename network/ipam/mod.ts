/** Address management for protect-network: IPv4/IPv6 pools and zone MAC addresses. */
export { type Cidr, formatIp, type IpAddress, parseCidr, parseIp } from "./ip_address.ts";
export { AddressPool, randomMac } from "./address_pool.ts";
