import assert from "node:assert/strict";
import { renderRuleset } from "./ruleset.ts";

const zone = (n: number, over = {}) => ({
  hostLink: `pz00000000000${n}`,
  ipv4: `10.75.0.${n}`,
  ipv6: `fd00:75::${n}`,
  publish: [],
  isolated: false,
  ...over,
});
const input = (zones: ReturnType<typeof zone>[]) => ({
  ipv4Pool: "10.75.0.0/16",
  ipv6Pool: "fd00:75::/48",
  gatewayIpv4: "10.75.0.1",
  zones,
});

Deno.test("ruleset: one transaction that replaces the table; egress NAT for the pools", () => {
  const text = renderRuleset(input([]));
  const lines = text.split("\n");
  assert.deepEqual(lines.slice(0, 3), [
    "table inet protect",
    "delete table inet protect",
    "table inet protect {",
  ]);
  assert.match(text, /ip saddr 10\.75\.0\.0\/16 oifname != "pz\*" masquerade/);
  assert.match(text, /ip6 saddr fd00:75::\/48 oifname != "pz\*" masquerade/);
  assert.doesNotMatch(text, /dnat|pz0/);
  assert.equal(renderRuleset(input([])), text, "rendering is deterministic");
});

Deno.test("ruleset: anti-spoofing per zone, DNAT per published port, isolation both ways", () => {
  const text = renderRuleset(input([
    zone(2, { publish: [{ hostPort: 8080, zonePort: 80, protocol: "tcp" }] }),
    zone(3, { isolated: true, publish: [{ hostPort: 53, zonePort: 5353, protocol: "udp" }] }),
  ]));
  assert.match(
    text,
    /iifname "pz000000000002" meta nfproto ipv4 ip saddr != 10\.75\.0\.2 counter drop/,
  );
  assert.match(text, /tcp dport 8080 dnat ip to 10\.75\.0\.2:80/);
  assert.match(text, /tcp dport 8080 dnat ip6 to \[fd00:75::2\]:80/);
  assert.match(text, /udp dport 53 dnat ip to 10\.75\.0\.3:5353/);
  assert.match(text, /iifname "pz000000000003" oifname "pz\*" drop/);
  assert.match(text, /iifname "pz\*" oifname "pz000000000003" drop/);
  assert.doesNotMatch(text, /"pz000000000002" oifname/);
  // DNAT appears in both the prerouting and the output (host-local) chains.
  assert.equal(text.match(/dport 8080 dnat ip to/g)?.length, 2);
});
