import assert from "node:assert/strict";
import { crc32 } from "./crc32.ts";
import { encodeFrame } from "./frame.ts";
import { FrameDecoder } from "./frame_decoder.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const frame = (s: string) => encodeFrame(new TextEncoder().encode(s));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

Deno.test("crc32 matches the IEEE check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("frames split across any chunk boundaries decode", () => {
  const bytes = concat(frame("one"), frame(""), frame("three"));
  for (const size of [1, 2, 5, 17, 1000]) {
    const d = new FrameDecoder();
    const got: string[] = [];
    for (let i = 0; i < bytes.length; i += size) {
      got.push(...d.push(bytes.subarray(i, i + size)).map(text));
    }
    assert.deepEqual(got, ["one", "", "three"]);
    assert.equal(d.buffered, 0);
  }
});

Deno.test("a corrupt frame is skipped and the good frames around it survive", () => {
  const bad = frame("corrupted!");
  bad[20] ^= 0xff;
  const d = new FrameDecoder();
  assert.deepEqual(d.push(concat(frame("a"), bad, frame("b"))).map(text), ["a", "b"]);
  assert.equal(d.stats.corrupt, 1);
});

Deno.test("a bogus length does not swallow the frames that follow", () => {
  const lying = frame("x");
  new DataView(lying.buffer).setUint32(8, 5000, true); // claims 5000 bytes
  const d = new FrameDecoder();
  const got = d.push(concat(lying, frame("after"), new Uint8Array(5000))).map(text);
  assert.deepEqual(got, ["after"]);
});

Deno.test("frames over the limit are refused; garbage between frames is skipped", () => {
  const d = new FrameDecoder(16);
  const got = d.push(
    concat(new TextEncoder().encode("noise PIDM noise"), frame("x".repeat(17)), frame("ok")),
  ).map(text);
  assert.deepEqual(got, ["ok"]);
  assert.ok(d.stats.corrupt >= 1);
  assert.ok(d.stats.skippedBytes > 0);
});
