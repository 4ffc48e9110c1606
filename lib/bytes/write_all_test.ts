import assert from "node:assert/strict";
import { writeAll } from "./mod.ts";

Deno.test("writeAll keeps writing until a short-writing writer took every byte", async () => {
  const got: number[] = [];
  const stingy = {
    write: (bytes: Uint8Array) => {
      got.push(...bytes.subarray(0, 2));
      return Promise.resolve(Math.min(2, bytes.length));
    },
  };
  await writeAll(stingy, new Uint8Array([1, 2, 3, 4, 5]));
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
});
