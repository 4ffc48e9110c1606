import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { NetworkInterfaceSchema, RouteSchema } from "../proto/gen/protect/idm/v1/idm_pb.ts";
import { networkCommands, resolvConf } from "./network_setup.ts";

const eth0 = (over: Record<string, unknown> = {}) =>
  create(NetworkInterfaceSchema, {
    name: "eth0",
    mac: "02:00:00:00:00:01",
    mtu: 1500,
    addresses: ["10.75.0.2/32", "fd00:75::2/128"],
    routes: [
      create(RouteSchema, { destination: "10.75.0.1/32" }),
      create(RouteSchema, { destination: "0.0.0.0/0", gateway: "10.75.0.1" }),
      create(RouteSchema, { destination: "::/0", gateway: "fd00:75::1" }),
    ],
    ...over,
  });

Deno.test("network setup: loopback, then link, addresses and routes in order", () => {
  assert.deepEqual(networkCommands([]), [["link", "set", "dev", "lo", "up"]]);
  assert.deepEqual(networkCommands([eth0()]).map((c) => c.join(" ")), [
    "link set dev lo up",
    "link set dev eth0 address 02:00:00:00:00:01",
    "link set dev eth0 mtu 1500 up",
    "address replace 10.75.0.2/32 dev eth0",
    "address replace fd00:75::2/128 dev eth0 nodad",
    "route replace 10.75.0.1/32 dev eth0",
    "route replace 0.0.0.0/0 via 10.75.0.1 dev eth0",
    "route replace ::/0 via fd00:75::1 dev eth0",
  ]);
  assert.equal(resolvConf(["10.0.0.2", "fd00::53"]), "nameserver 10.0.0.2\nnameserver fd00::53\n");
});

Deno.test("network setup: bad values are named and nothing runs", () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ name: "-eth0" }, /interfaces\[0\]\.name/],
    [{ name: "eth0 up" }, /interfaces\[0\]\.name/],
    [{ mac: "zz" }, /interfaces\[0\]\.mac/],
    [{ mtu: 10 }, /mtu 10/],
    [{ addresses: ["10.75.0.2"] }, /addresses\[0\]/],
    [{ addresses: ["10.75.0.2/33"] }, /addresses\[0\]/],
    [{ addresses: ["--help/32"] }, /addresses\[0\]/],
    [{ routes: [create(RouteSchema, { destination: "0.0.0.0/0", gateway: "-x" })] }, /gateway/],
  ];
  for (const [over, why] of bad) assert.throws(() => networkCommands([eth0(over)]), why);
  assert.throws(() => networkCommands(Array(5).fill(eth0())), /at most 4/);
  assert.throws(() => resolvConf(["1.1.1.1; rm"]), /dns_servers\[0\]/);
  assert.equal(
    resolvConf(["10.0.0.2"], ["ns.svc.cluster.local", "cluster.local"], ["ndots:5", "edns0"]),
    "nameserver 10.0.0.2\nsearch ns.svc.cluster.local cluster.local\noptions ndots:5 edns0\n",
  );
  assert.throws(() => resolvConf([], ["a\nnameserver 6.6.6.6"]), /searches\[0\]/);
  assert.throws(() => resolvConf([], [], ["ndots:5 x"]), /options\[0\]/);
});
