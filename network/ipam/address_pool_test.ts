import assert from "node:assert/strict";
import { AddressPool } from "./address_pool.ts";

Deno.test("a pool keeps the gateway and gives the lowest free address", () => {
  const pool = new AddressPool("10.75.0.0/16", "network.ipv4_pool");
  assert.equal(pool.gateway, "10.75.0.1");
  assert.equal(pool.capacity, 65536n - 3n);
  assert.equal(pool.allocate(new Set()), "10.75.0.2");
  assert.equal(pool.allocate(new Set(["10.75.0.2", "10.75.0.3"])), "10.75.0.4");
  assert.equal(pool.allocate(new Set(["10.75.0.3"])), "10.75.0.2", "a released address is reused");
  const v6 = new AddressPool("fd00:75::/48", "network.ipv6_pool");
  assert.equal(v6.gateway, "fd00:75::1");
  assert.equal(v6.allocate(new Set()), "fd00:75::2");
});

Deno.test("a requested address must be a free zone address of the pool", () => {
  const pool = new AddressPool("10.75.0.0/24", "ipv4");
  assert.equal(pool.allocate(new Set(), "10.75.0.9"), "10.75.0.9");
  assert.throws(
    () => pool.allocate(new Set(), "10.75.0.1"),
    /not a zone address .*the gateway is 10\.75\.0\.1/,
  );
  assert.throws(() => pool.allocate(new Set(), "10.75.0.255"), /not a zone address/); // broadcast
  assert.throws(() => pool.allocate(new Set(), "10.76.0.9"), /not a zone address/);
  assert.throws(() => pool.allocate(new Set(), "fd00::9"), /not a zone address/);
  assert.throws(() => pool.allocate(new Set(["10.75.0.9"]), "10.75.0.9"), /already reserved/);
});

Deno.test("an exhausted pool says so, with its size", () => {
  const pool = new AddressPool("10.75.0.0/30", "ipv4"); // network, gateway, one zone, broadcast
  assert.equal(pool.capacity, 1n);
  const taken = new Set([pool.allocate(new Set())]);
  assert.throws(
    () => pool.allocate(taken),
    /10\.75\.0\.0\/30 is exhausted \(1 zone addresses, all reserved\)/,
  );
  assert.throws(() => new AddressPool("10.75.0.0/31", "ipv4"), /too small/);
});
