import assert from "node:assert/strict";
import { ZONE_LINK_PREFIX, zoneLinkName } from "./mod.ts";

Deno.test("zoneLinkName: prefix and 12 hex digits, within the kernel's 15-byte limit", () => {
  const name = zoneLinkName("0b5a3c3e-8a0e-4b53-9e63-7a0c8b3f3f10");
  assert.equal(name, "pz0b5a3c3e8a0e");
  assert.ok(name.startsWith(ZONE_LINK_PREFIX));
  assert.ok(new TextEncoder().encode(name).length <= 15);
});
