import assert from "node:assert/strict";
import { concat } from "./mod.ts";

Deno.test("concat joins parts in order into a new buffer", () => {
  const a = new Uint8Array([1, 2]);
  const joined = concat([a, new Uint8Array(), new Uint8Array([3])]);
  assert.deepEqual([...joined], [1, 2, 3]);
  a[0] = 9;
  assert.equal(joined[0], 1, "a copy, not a view");
  assert.equal(concat([]).length, 0);
});
