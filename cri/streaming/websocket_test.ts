import assert from "node:assert/strict";
import { acceptKey, wsFrame } from "./websocket.ts";

Deno.test("the handshake answers RFC 6455's example key", () => {
  assert.equal(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("server frames carry 7-, 16- and 64-bit lengths, unmasked", () => {
  assert.deepEqual([...wsFrame(2, new Uint8Array([1, 2]))], [0x82, 2, 1, 2]);
  const mid = wsFrame(1, new Uint8Array(300));
  assert.deepEqual([...mid.subarray(0, 4)], [0x81, 126, 1, 44]);
  const big = wsFrame(2, new Uint8Array(70_000));
  assert.deepEqual([...big.subarray(0, 10)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
});
