import assert from "node:assert/strict";
import { crc32 } from "./crc32.ts";
import { encodeFrame } from "./frame.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { concat } from "../bytes/mod.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const frame = (s: string) => encodeFrame(new TextEncoder().encode(s));

Deno.test("crc32 matches the IEEE check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("frames split across any chunk boundaries decode", () => {
  const bytes = concat([frame("one"), frame(""), frame("three")]);
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

Deno.test("a frame with a corrupt header is skipped and the good frames around it survive", () => {
  for (const at of [4, 5, 7, 9, 13]) {
    const bad = frame("corrupted!");
    bad[at] ^= 0x40; // version, flags, reserved, length or the CRC itself
    const d = new FrameDecoder();
    assert.deepEqual(d.push(concat([frame("a"), bad, frame("b")])).map(text), ["a", "b"], `${at}`);
    assert.equal(d.stats.corrupt, 1);
    assert.equal(d.stats.foreignVersion, undefined);
  }
});

Deno.test("payload bytes are not checked: the transport keeps them (version 2)", () => {
  const flipped = frame("payload");
  flipped[16] ^= 0x20;
  const d = new FrameDecoder();
  assert.deepEqual(d.push(concat([flipped, frame("b")])).map(text), ["Payload", "b"]);
  assert.equal(d.stats.corrupt, 0);
});

Deno.test("a version 1 frame is noted as another release's, not taken", () => {
  const old = frame("hello");
  old[4] = 1;
  const d = new FrameDecoder();
  assert.deepEqual(d.push(concat([old, frame("b")])).map(text), ["b"]);
  assert.equal(d.stats.foreignVersion, 1);
  const noise = frame("x");
  noise[4] = 1;
  noise[6] = 7; // not a version 1 header after all
  const e = new FrameDecoder();
  e.push(noise);
  assert.equal(e.stats.foreignVersion, undefined);
});

Deno.test("a bogus length does not swallow the frames that follow", () => {
  const lying = frame("x");
  new DataView(lying.buffer).setUint32(8, 5000, true); // claims 5000 bytes
  const d = new FrameDecoder();
  const got = d.push(concat([lying, frame("after"), new Uint8Array(5000)])).map(text);
  assert.deepEqual(got, ["after"]);
});

Deno.test("frames over the limit are refused; garbage between frames is skipped", () => {
  const d = new FrameDecoder(16);
  const got = d.push(
    concat([new TextEncoder().encode("noise PIDM noise"), frame("x".repeat(17)), frame("ok")]),
  ).map(text);
  assert.deepEqual(got, ["ok"]);
  assert.ok(d.stats.corrupt >= 1);
  assert.ok(d.stats.skippedBytes > 0);
});

Deno.test("crc32 agrees with the bytewise definition", () => {
  const bytewise = (d: Uint8Array) => {
    let c = 0xffffffff;
    for (const b of d) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  const data = crypto.getRandomValues(new Uint8Array(300));
  const check = () => {
    for (let len = 0; len < 40; len++) {
      for (const off of [0, 1, 3, 7]) {
        const slice = data.subarray(off, off + len);
        assert.equal(crc32(slice), bytewise(slice));
        assert.equal(
          crc32(slice.subarray(len >> 1), crc32(slice.subarray(0, len >> 1))),
          bytewise(slice),
        );
      }
    }
  };
  check();
});

Deno.test("frames written in place decode to the same packet bytes", async () => {
  const { frameSize, writeFrame } = await import("./frame.ts");
  for (const size of [0, 5, 127, 128, 200, 20_000, 300_000]) {
    const head = new Uint8Array([8, 7, 16, 1]);
    const tail = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff);
    const target = new Uint8Array(3 + frameSize(head, size)).fill(0xee);
    writeFrame(target, 3, head, 5, tail);
    const [payload] = new FrameDecoder(1 << 20).push(target.subarray(3));
    assert.ok(payload, `size ${size}`);
    assert.deepEqual(payload.subarray(0, 4), head);
    assert.deepEqual(payload.subarray(payload.length - size), tail);
    assert.equal(payload.length, frameSize(head, size) - 16, "nothing after the payload");
  }
});

Deno.test("big payloads read whole are lent from a held read buffer; the rest are copies", async () => {
  const { ReadBuffers } = await import("./read_buffers.ts");
  const { LEND_MIN_BYTES } = await import("./frame_decoder.ts");
  const big = encodeFrame(new Uint8Array(LEND_MIN_BYTES).fill(7));
  const small = frame("small");
  const buffers = new ReadBuffers(4 * big.length);
  const decoder = new FrameDecoder(1 << 20, undefined, buffers);
  const read = buffers.take();
  const stream = concat([big, small, big]);
  read.set(stream.subarray(0, big.length + small.length + 100)); // the last frame is split
  const [lent, copied] = decoder.push(read.subarray(0, big.length + small.length + 100));
  assert.equal(lent.buffer, read.buffer, "lent in place");
  assert.notEqual(copied.buffer, read.buffer);
  buffers.release(read); // the reader moves on; `lent` still holds the buffer
  assert.notEqual(buffers.take().buffer, read.buffer);
  const next = buffers.take();
  next.set(stream.subarray(big.length + small.length + 100));
  const [joined] = decoder.push(next.subarray(0, big.length - 100));
  assert.notEqual(joined.buffer, next.buffer, "a frame split across reads is gathered");
  assert.equal(joined.byteOffset, 16, "in a buffer of its own, handed out whole");
  assert.deepEqual(joined, lent);
  decoder.release(lent);
  decoder.release(joined);
  assert.ok(
    [buffers.take(), buffers.take()].some((b) => b.buffer === read.buffer),
    "released: reused",
  );
});

Deno.test("big frames split anywhere, some corrupt, decode to exactly the good payloads", async () => {
  const { LEND_MIN_BYTES } = await import("./frame_decoder.ts");
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const payloads = [LEND_MIN_BYTES, 5, LEND_MIN_BYTES + 999, 70_000, 17, LEND_MIN_BYTES * 2]
    .map((size, i) => new Uint8Array(size).map((_, k) => (k * 13 + i) & 0xff));
  const frames = payloads.map(encodeFrame);
  frames[3][9] ^= 0xff; // frame 3's length no longer matches its header CRC
  const bytes = concat([...frames, ...frames]);
  const want = [...payloads, ...payloads].filter((_, i) => i % payloads.length !== 3);
  for (let round = 0; round < 20; round++) {
    const decoder = new FrameDecoder(1 << 20);
    const got: Uint8Array[] = [];
    for (let at = 0; at < bytes.length;) {
      const size = 1 + random(round % 2 ? 40 : 90_000);
      for (const p of decoder.push(bytes.subarray(at, at + size))) {
        got.push(p.slice());
        decoder.release(p); // its buffer may be reused from now on
      }
      at += size;
    }
    assert.equal(got.length, want.length, `round ${round}`);
    got.forEach((p, i) =>
      assert.ok(p.length === want[i].length && p.every((b, k) => b === want[i][k]))
    );
    assert.equal(decoder.stats.corrupt >= 2, true);
  }
});

Deno.test("a frame cut short with its header intact costs what its length covers, then resync", () => {
  const cut = frame("0123456789").subarray(0, 20); // header says 10 bytes, 4 came
  const next = frame("lost");
  const d = new FrameDecoder();
  const got = d.push(concat([cut, next, frame("after"), frame("more")])).map(text);
  // The cut frame took 6 bytes of the next one (delivered as its payload); the rest of
  // "lost" is skipped, and the stream is read again from the next header.
  assert.equal(got.length, 3);
  assert.deepEqual(got.slice(1), ["after", "more"]);
  assert.ok(d.stats.skippedBytes > 0);
});
