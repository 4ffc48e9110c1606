import type { PublishedPort } from "../attachments/attachments.ts";
import { ZONE_LINK_PREFIX } from "../../lib/zone_link/mod.ts";

/** The nftables table protect owns; nothing outside it is ever touched. */
export const TABLE = "protect";

export interface RulesetZone {
  hostLink: string;
  ipv4: string;
  ipv6: string;
  publish: PublishedPort[];
  isolated: boolean;
}

export interface RulesetInput {
  /** Pool CIDRs: the sources egress NAT masquerades. */
  ipv4Pool: string;
  ipv6Pool: string;
  gatewayIpv4: string;
  zones: RulesetZone[];
}

/**
 * The whole `inet protect` table as one nft script that deletes and recreates
 * it in a single transaction: applying it twice gives the same rules, never
 * duplicates, and no packet ever sees a half-built table.
 */
export function renderRuleset(input: RulesetInput): string {
  const any = `"${ZONE_LINK_PREFIX}*"`;
  const ingress: string[] = [
    // route_localnet (for loopback-published ports) must not let a zone reach host loopback.
    `iifname ${any} ip daddr 127.0.0.0/8 drop`,
    `iifname ${any} ip6 daddr ::1 drop`,
  ];
  const forward: string[] = [];
  const dnat: string[] = [];
  for (const z of input.zones) {
    const link = `"${z.hostLink}"`;
    // The guest is untrusted: a zone sends only from its own addresses (counted, for operators).
    ingress.push(`iifname ${link} meta nfproto ipv4 ip saddr != ${z.ipv4} counter drop`);
    ingress.push(`iifname ${link} ip6 saddr != { ${z.ipv6}, fe80::/10, :: } counter drop`);
    if (z.isolated) {
      forward.push(`iifname ${link} oifname ${any} drop`);
      forward.push(`iifname ${any} oifname ${link} drop`);
    }
    for (const p of z.publish) {
      const match = `fib daddr type local ${p.protocol} dport ${p.hostPort}`;
      dnat.push(`meta nfproto ipv4 ${match} dnat ip to ${z.ipv4}:${p.zonePort}`);
      dnat.push(`meta nfproto ipv6 ${match} dnat ip6 to [${z.ipv6}]:${p.zonePort}`);
    }
  }
  const chain = (
    name: string,
    hook: string,
    rules: string[],
  ) => [`  chain ${name} {`, `    ${hook}`, ...rules.map((r) => `    ${r}`), "  }"];
  return [
    `table inet ${TABLE}`,
    `delete table inet ${TABLE}`,
    `table inet ${TABLE} {`,
    ...chain("zone_ingress", "type filter hook prerouting priority -300; policy accept;", ingress),
    ...chain("zone_forward", "type filter hook forward priority 0; policy accept;", forward),
    ...chain("published_in", "type nat hook prerouting priority -100; policy accept;", dnat),
    ...chain("published_local", "type nat hook output priority -100; policy accept;", dnat),
    ...chain("zone_nat", "type nat hook postrouting priority 100; policy accept;", [
      // Loopback-published ports: the zone must see a source it can answer.
      `oifname ${any} ip saddr 127.0.0.0/8 snat ip to ${input.gatewayIpv4}`,
      `ip saddr ${input.ipv4Pool} oifname != ${any} masquerade`,
      `ip6 saddr ${input.ipv6Pool} oifname != ${any} masquerade`,
    ]),
    "}",
    "",
  ].join("\n");
}
