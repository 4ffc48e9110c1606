import assert from "node:assert/strict";
import { ReadBuffers } from "./read_buffers.ts";

Deno.test("a read buffer is reused only once every hold on it is released", () => {
  const buffers = new ReadBuffers(1024, 4);
  const first = buffers.take();
  const lent = first.subarray(100, 200);
  assert.equal(buffers.retain(lent), true);
  buffers.release(first); // the reader moves on; the payload still holds it
  const second = buffers.take();
  assert.notEqual(second.buffer, first.buffer, "held: not handed out again");
  buffers.release(lent);
  buffers.release(second);
  const again = [buffers.take(), buffers.take()].map((b) => b.buffer);
  assert.ok(again.includes(first.buffer), "free again after the last hold");
});

Deno.test("foreign views and extra releases are refused; the free list is bounded", () => {
  const buffers = new ReadBuffers(1024, 2);
  assert.equal(buffers.retain(new Uint8Array(8)), false);
  assert.equal(buffers.release(new Uint8Array(8)), false);
  const taken = [1, 2, 3].map(() => buffers.take());
  taken.forEach((b) => assert.equal(buffers.release(b), true));
  assert.equal(buffers.release(taken[0]), false, "already free");
  const next = [1, 2, 3].map(() => buffers.take().buffer);
  assert.equal(next.filter((b) => taken.some((t) => t.buffer === b)).length, 2, "two kept");
  assert.equal(new Set(next).size, 3, "none handed out twice");
});

Deno.test("past maxOut buffers in use, no more are lent from; giving some back lends again", () => {
  const buffers = new ReadBuffers(1024, 4, 2);
  const lent: Uint8Array[] = [];
  for (let i = 0; i < 4; i++) {
    const read = buffers.take();
    const payload = read.subarray(0, 100);
    if (buffers.retain(payload)) lent.push(payload);
    buffers.release(read);
  }
  // Reads 1 and 2 are lent from; by read 3 three buffers are out (two lent, the reader's).
  assert.equal(lent.length, 2);
  buffers.release(lent[0]);
  const read = buffers.take();
  assert.equal(buffers.retain(read.subarray(0, 10)), true, "under the limit again");
});
