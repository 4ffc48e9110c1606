import assert from "node:assert/strict";
import { FrameWriter } from "./frame_writer.ts";

/** A transport that records what it got; each write takes a timer tick. */
function slowSink() {
  const chunks: Uint8Array[] = [];
  const writes: number[] = [];
  const written = () => {
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
    return out;
  };
  const write = (bytes: Uint8Array) => {
    chunks.push(bytes.slice());
    writes.push(bytes.length);
    return new Promise<void>((r) => setTimeout(r, 1));
  };
  return { written, writes, write };
}

Deno.test("frames are written in order, batched, and the caller may reuse its buffer at once", async () => {
  const sink = slowSink();
  const w = new FrameWriter(sink.write);
  const reused = new Uint8Array(100_000);
  const expected: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) {
    reused.fill(i);
    const header = new Uint8Array([0xf0, i]);
    expected.push(header, reused.slice());
    await w.push([header, reused]); // from here on, `reused` is ours again
  }
  await w.flushed();
  const want = new Uint8Array(expected.reduce((n, c) => n + c.length, 0));
  expected.reduce((at, c) => (want.set(c, at), at + c.length), 0);
  const got = sink.written();
  // (deepEqual on a megabyte of typed array is very slow)
  assert.ok(got.length === want.length && got.every((b, i) => b === want[i]), "bytes differ");
  assert.ok(sink.writes.length < 12, `batched: ${sink.writes.length} writes for 12 frames`);
});

Deno.test("a frame bigger than a batch goes out whole, after the frames before it", async () => {
  const sink = slowSink();
  const w = new FrameWriter(sink.write);
  const small = w.push([new Uint8Array(10).fill(1)]);
  const big = w.push([new Uint8Array(600_000).fill(2)]);
  const after = w.push([new Uint8Array(5).fill(3)]);
  const queued = Promise.all([small, big, after]);
  await queued;
  await w.flushed();
  assert.deepEqual(sink.writes, [10, 600_000, 5]);
  const all = sink.written();
  assert.deepEqual([all[0], all[10], all.at(-1)], [1, 2, 3]);
});

Deno.test("a failed transport fails later pushes; flushed() still settles", async () => {
  const w = new FrameWriter(() => Promise.reject(new Error("broken pipe")));
  await w.push([new Uint8Array(10)]); // queued
  await w.flushed();
  await assert.rejects(() => w.push([new Uint8Array(10)]), /broken pipe/);
});
