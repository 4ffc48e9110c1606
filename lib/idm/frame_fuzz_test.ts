/**
 * IDM decoder fuzz test: 10^6 random and mutated frames. The decoder must not
 * throw or hang, must keep memory bounded, must count corrupt frames, and
 * must deliver every frame whose header is intact, in order — a flipped payload
 * byte included: payloads are the transport's to keep (frame.ts).
 */
import assert from "node:assert/strict";
import { encodeFrame, HEADER_BYTES } from "./frame.ts";
import { FrameDecoder } from "./frame_decoder.ts";

/** Small deterministic PRNG (xorshift32) so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

Deno.test("fuzz: 10^6 random and mutated frames", () => {
  const MAX = 4096;
  const MAX_CHUNK = 700;
  const random = rng(0x5eed);
  const decoder = new FrameDecoder(MAX);
  const expected: number[] = []; // ids of intact frames, in order
  let delivered = 0;
  let mismatches = 0;
  let peak = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;

  const flush = () => {
    const bytes = new Uint8Array(pendingBytes);
    let at = 0;
    for (const p of pending) {
      bytes.set(p, at);
      at += p.length;
    }
    pending = [];
    pendingBytes = 0;
    for (let i = 0; i < bytes.length;) {
      const size = 1 + random(MAX_CHUNK);
      for (const payload of decoder.push(bytes.subarray(i, i + size))) {
        const id = new DataView(payload.buffer, payload.byteOffset).getUint32(0, true);
        if (id !== expected[delivered]) mismatches++;
        delivered++;
      }
      peak = Math.max(peak, decoder.buffered);
      i += size;
    }
  };

  const started = performance.now();
  for (let n = 0; n < 1_000_000; n++) {
    const kind = random(10);
    let bytes: Uint8Array;
    if (kind < 8) {
      const payload = new Uint8Array(4 + random(64));
      new DataView(payload.buffer).setUint32(0, n, true);
      for (let i = 4; i < payload.length; i++) payload[i] = random(256);
      bytes = encodeFrame(payload);
      if (kind < 5) {
        expected.push(n);
      } else if (kind === 5) {
        // A payload flip past the ID: delivered as it is (only the header is checked).
        bytes[HEADER_BYTES + 4 + random(payload.length - 4 || 1)] ^= 1 + random(255);
        if (payload.length > 4) expected.push(n);
        else bytes[9] ^= 0xff; // nothing past the ID to flip: break its header instead
      } else if (kind === 6) {
        new DataView(bytes.buffer).setUint32(8, random(MAX * 2), true); // lying length
        if (new DataView(bytes.buffer).getUint32(8, true) === payload.length) bytes[12] ^= 0xff;
        // (the header's CRC no longer matches: caught before any payload is awaited)
      } else {
        bytes = bytes.slice(0, random(bytes.length)); // truncated...
        // ...with its header damaged: a cut frame whose header is intact would take
        // the next bytes as its payload (a writer that dies mid-frame closes the
        // stream instead; see the decoder tests for what such a cut costs).
        if (bytes.length > 9) bytes[9] ^= 0xff; // the length: its header CRC fails
      }
    } else {
      bytes = new Uint8Array(random(200));
      for (let i = 0; i < bytes.length; i++) bytes[i] = random(256);
      if (random(4) === 0 && bytes.length >= 4) {
        bytes.set([0x50, 0x49, 0x44, 0x4d], random(bytes.length - 3));
      }
    }
    pending.push(bytes);
    pendingBytes += bytes.length;
    if (pendingBytes > 64 * 1024) flush();
  }
  pending.push(new Uint8Array(MAX * 2 + HEADER_BYTES)); // let a trailing lie run out
  pendingBytes += MAX * 2 + HEADER_BYTES;
  flush();

  const seconds = (performance.now() - started) / 1000;
  assert.equal(mismatches, 0, "intact frames arrive in order");
  assert.equal(delivered, expected.length, "every intact frame is delivered");
  assert.ok(decoder.stats.corrupt > 100_000, `corrupt frames counted (${decoder.stats.corrupt})`);
  assert.ok(peak <= MAX + HEADER_BYTES + MAX_CHUNK, `buffer stayed bounded (peak ${peak})`);
  assert.ok(seconds < 120, `no hang (${seconds.toFixed(1)} s)`);
});
