import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ZoneSpecSchema } from "../../proto/mod.ts";
import { withSpecDns } from "./zone_dns.ts";

const network = { interfaces: [], dnsServers: ["10.75.0.1"] };

Deno.test("the spec's resolv.conf goes over protect-network's", () => {
  const plain = create(ZoneSpecSchema, { name: "a" });
  assert.equal(withSpecDns(network, plain), network);
  assert.equal(withSpecDns(undefined, plain), undefined);
  const searches = create(ZoneSpecSchema, {
    name: "a",
    network: { dns: { searches: ["cluster.local"], options: ["ndots:5"] } },
  });
  assert.deepEqual(withSpecDns(network, searches), {
    interfaces: [],
    dnsServers: ["10.75.0.1"],
    dnsSearches: ["cluster.local"],
    dnsOptions: ["ndots:5"],
  });
  const servers = create(ZoneSpecSchema, {
    name: "a",
    network: { disabled: true, dns: { servers: ["10.96.0.10"] } },
  });
  assert.deepEqual(withSpecDns(undefined, servers)?.dnsServers, ["10.96.0.10"]);
});
