import assert from "node:assert/strict";
import { join } from "node:path";
import { hostNameservers, loadNetworkConfig, randomUla48 } from "./network_config.ts";

Deno.test("first start writes network.toml with a random ULA /48 that stays", () => {
  const path = join(Deno.makeTempDirSync(), "etc/protect/network.toml");
  Deno.mkdirSync(join(path, ".."), { recursive: true });
  const first = loadNetworkConfig(path);
  assert.equal(first.ipv4Pool.gateway, "10.75.0.1");
  assert.match(Deno.readTextFileSync(path), /ipv6_pool = "fd[0-9a-f:]+::\/48"/);
  assert.equal(loadNetworkConfig(path).ipv6Pool.gateway, first.ipv6Pool.gateway);
  assert.equal(randomUla48(new Uint8Array([0x12, 0x34, 0x56, 0x78, 0x9a])), "fd12:3456:789a::/48");
  assert.equal(randomUla48(new Uint8Array([0, 0, 1, 0, 0])), "fd00:1::/48");
});

Deno.test("a pool of the wrong family or shape is named", () => {
  const path = join(Deno.makeTempDirSync(), "network.toml");
  Deno.writeTextFileSync(path, '[network]\nipv4_pool = "fd00::/48"\n');
  assert.throws(
    () => loadNetworkConfig(path),
    /invalid network\.ipv4_pool: must be an IPv4 network/,
  );
  Deno.writeTextFileSync(path, '[network]\nipv6_pool = "fd00::1/48"\n');
  assert.throws(() => loadNetworkConfig(path), /invalid network\.ipv6_pool: .*host bits set/);
});

Deno.test("MTU and DNS servers are checked; the host's loopback nameservers are left out", () => {
  const path = join(Deno.makeTempDirSync(), "network.toml");
  Deno.writeTextFileSync(path, '[network]\nmtu = 100\nipv6_pool = "fd00::/48"\n');
  assert.throws(() => loadNetworkConfig(path), /network\.mtu: must be an integer from 1280/);
  Deno.writeTextFileSync(path, '[network]\ndns_servers = ["1.1.1.1", "nope"]\n');
  assert.throws(() => loadNetworkConfig(path), /network\.dns_servers\[1\]/);
  assert.deepEqual(
    hostNameservers(
      "# x\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\n" +
        "nameserver fd00::53\nsearch example\n",
    ),
    ["10.0.0.2", "fd00::53"],
  );
});
