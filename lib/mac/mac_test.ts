import assert from "node:assert/strict";
import { isLocalUnicastMac, randomMac } from "./mac.ts";

Deno.test("random MACs are locally administered unicast", () => {
  assert.equal(randomMac(new Uint8Array([0xff, 1, 2, 3, 4, 5])), "fe:01:02:03:04:05");
  for (let i = 0; i < 50; i++) assert.ok(isLocalUnicastMac(randomMac()));
});

Deno.test("only lowercase, locally administered unicast MACs pass", () => {
  assert.ok(isLocalUnicastMac("02:00:00:00:00:01"));
  for (
    const bad of [
      "00:16:3e:00:00:01",
      "03:00:00:00:00:01",
      "02:00:00:00:00",
      "02:AB:00:00:00:01",
      "02-00-00-00-00-01",
      "",
    ]
  ) {
    assert.equal(isLocalUnicastMac(bad), false, bad);
  }
});
