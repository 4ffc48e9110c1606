import { zoneLinkName } from "../../lib/zone_link/mod.ts";
import type { ReservationRecord } from "../reservations/reservations.ts";

/** A route as `ip route` takes it; no gateway means on-link. */
export interface RouteSpec {
  destination: string;
  gateway?: string;
}

/** Everything one zone's routed link needs, on both ends. Pure data, so it tests without root. */
export interface LinkPlan {
  hostLink: string;
  /** Addresses on the host end: the gateways, as host routes (like Xen's vif-route script). */
  hostAddresses: string[];
  /** Host routes to the zone's addresses through its link, with the gateway as source. */
  hostRoutes: Array<{ destination: string; source?: string }>;
  mtu: number;
  zone: {
    name: string;
    mac: string;
    addresses: string[];
    routes: RouteSpec[];
  };
}

export interface Gateways {
  ipv4: string;
  ipv6: string;
}

/**
 * A routed link with no bridge: the zone holds a /32 and a /128 and reaches
 * everything through the gateway, which lives on the host end of its own link
 * (so no zone ever sees another zone's ARP or NDP).
 */
export function planLink(r: ReservationRecord, gateways: Gateways, mtu: number): LinkPlan {
  return {
    hostLink: zoneLinkName(r.zoneId),
    hostAddresses: [`${gateways.ipv4}/32`, `${gateways.ipv6}/128`],
    hostRoutes: [
      { destination: `${r.ipv4}/32`, source: gateways.ipv4 },
      { destination: `${r.ipv6}/128` },
    ],
    mtu,
    zone: {
      name: "eth0",
      mac: r.mac,
      addresses: [`${r.ipv4}/32`, `${r.ipv6}/128`],
      routes: [
        { destination: `${gateways.ipv4}/32` },
        { destination: "0.0.0.0/0", gateway: gateways.ipv4 },
        { destination: `${gateways.ipv6}/128` },
        { destination: "::/0", gateway: gateways.ipv6 },
      ],
    },
  };
}
