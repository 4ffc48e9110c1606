import assert from "node:assert/strict";
import { FrameDecoder } from "./frame_decoder.ts";
import { FrameWriter } from "./frame_writer.ts";

/** A transport that records each write; every write takes a timer tick. */
function slowSink() {
  const writes: Uint8Array[] = [];
  const write = (bytes: Uint8Array) => {
    writes.push(bytes.slice());
    return new Promise<void>((r) => setTimeout(r, 1));
  };
  /** The payloads of every frame written, in order. */
  const frames = () => {
    const decoder = new FrameDecoder(4 << 20);
    return writes.flatMap((w) => decoder.push(w));
  };
  return { writes, write, frames };
}

const HEAD = new Uint8Array([8, 1]); // a message head: field 1 = 1

/** True if `payload` is HEAD plus field 5 whose bytes all equal `fill` and number `size`. */
function carries(payload: Uint8Array, size: number, fill: number): boolean {
  const tail = payload.subarray(payload.length - size);
  return payload[0] === 8 && payload[1] === 1 && tail.every((b) => b === fill);
}

Deno.test("frames are written in order, batched, and the caller may reuse its buffer", async () => {
  const sink = slowSink();
  const w = new FrameWriter(sink.write);
  const reused = new Uint8Array(100_000);
  for (let i = 0; i < 12; i++) {
    reused.fill(i);
    await w.push(HEAD, 5, reused); // from here on, `reused` is ours again
  }
  await w.flushed();
  const frames = sink.frames();
  assert.equal(frames.length, 12);
  frames.forEach((f, i) => assert.ok(carries(f, 100_000, i), `frame ${i} intact`));
  assert.ok(sink.writes.length < 12, `batched: ${sink.writes.length} writes for 12 frames`);
});

Deno.test("a frame bigger than a batch goes out whole, after the frames before it", async () => {
  const sink = slowSink();
  const w = new FrameWriter(sink.write);
  await Promise.all([
    w.push(HEAD, 5, new Uint8Array(10).fill(1)),
    w.push(HEAD, 5, new Uint8Array(600_000).fill(2)),
    w.push(HEAD, 5, new Uint8Array(5).fill(3)),
  ]);
  await w.flushed();
  const frames = sink.frames();
  assert.equal(frames.length, 3);
  assert.ok(
    carries(frames[0], 10, 1) && carries(frames[1], 600_000, 2) && carries(frames[2], 5, 3),
  );
  assert.ok(sink.writes.some((b) => b.length > 600_000), "the big frame in one write");
});

Deno.test("a failed transport fails later pushes; flushed() still settles", async () => {
  const w = new FrameWriter(() => Promise.reject(new Error("broken pipe")));
  await w.push(HEAD, 5, new Uint8Array(10)); // queued
  await w.flushed();
  await assert.rejects(() => w.push(HEAD, 5, new Uint8Array(10)), /broken pipe/);
});
