import assert from "node:assert/strict";
import { formatIp, parseCidr, parseIp } from "./ip_address.ts";

Deno.test("IPv4 and IPv6 parse and print canonically (RFC 5952 for v6)", () => {
  assert.equal(formatIp(parseIp("10.75.0.1", "f")), "10.75.0.1");
  assert.equal(parseIp("10.75.1.2", "f").value, (10n << 24n) | (75n << 16n) | (1n << 8n) | 2n);
  assert.equal(formatIp(parseIp("FD00:0:0:0:0:0:0:1", "f")), "fd00::1");
  assert.equal(formatIp(parseIp("fd12:3456:789a::", "f")), "fd12:3456:789a::");
  assert.equal(formatIp(parseIp("::", "f")), "::");
  assert.equal(formatIp(parseIp("2001:db8:0:0:1:0:0:1", "f")), "2001:db8::1:0:0:1");
  assert.equal(formatIp(parseIp("2001:db8:1:2:3:4:5:6", "f")), "2001:db8:1:2:3:4:5:6");
});

Deno.test("bad addresses and networks are refused, naming the field", () => {
  for (
    const bad of ["10.75.0.256", "10.75.0", "fd00:::1", "1::2::3", "g::1", "1:2:3:4:5:6:7:8:9", ""]
  ) {
    assert.throws(() => parseIp(bad, "network.ipv4_pool"), /invalid network\.ipv4_pool: .* is not/);
  }
  assert.throws(() => parseCidr("10.75.0.0/33", "p"), /prefix 0-32/);
  assert.throws(() => parseCidr("10.75.0.0", "p"), /not a network/);
  assert.throws(
    () => parseCidr("10.75.0.1/16", "p"),
    /host bits set; the network is 10\.75\.0\.0\/16/,
  );
  assert.deepEqual(parseCidr("fd00:75::/48", "p"), {
    family: 6,
    network: parseIp("fd00:75::", "p").value,
    prefix: 48,
  });
});
