import assert from "node:assert/strict";
import { PayloadPool, POOL_MIN_BYTES } from "./payload_pool.ts";

Deno.test("a released buffer is handed out again; small payloads are never pooled", () => {
  const pool = new PayloadPool();
  const a = pool.take(65_548);
  assert.equal(a.length, 65_548);
  pool.release(a);
  const b = pool.take(70_000); // the same 80 KiB class
  assert.equal(b.buffer, a.buffer, "same size class: reused");
  assert.equal(b.length, 70_000);
  const small = pool.take(POOL_MIN_BYTES - 1);
  pool.release(small);
  assert.notEqual(pool.take(POOL_MIN_BYTES - 1).buffer, small.buffer);
});

Deno.test("release ignores foreign views and double releases; the free lists are bounded", () => {
  const pool = new PayloadPool(256 * 1024);
  pool.release(new Uint8Array(65_536)); // never lent
  const lent = [1, 2, 3].map(() => pool.take(120_000)); // 128 KiB class
  lent.forEach((v) => pool.release(v));
  pool.release(lent[0]); // twice
  const again = [1, 2, 3].map(() => pool.take(120_000).buffer);
  const reused = again.filter((b) => lent.some((v) => v.buffer === b));
  assert.equal(reused.length, 2, "only 256 KiB (two buffers) were kept");
  assert.equal(new Set(again).size, 3, "no buffer handed out twice");
});
