import assert from "node:assert/strict";
import { DetachKeys } from "./attach_session.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

Deno.test("detach keys: Ctrl-P Ctrl-Q detaches, across chunks; a lone Ctrl-P is passed on", () => {
  const keys = new DetachKeys();
  assert.deepEqual(keys.feed(bytes(97, 0x10)), { send: bytes(97), detach: false });
  assert.deepEqual(keys.feed(bytes(0x11, 98)), { send: bytes(), detach: true });
  const other = new DetachKeys();
  assert.deepEqual(other.feed(bytes(0x10)), { send: bytes(), detach: false });
  assert.deepEqual(other.feed(bytes(120)), { send: bytes(0x10, 120), detach: false });
  assert.deepEqual(other.feed(bytes(0x10, 0x10, 0x11)), { send: bytes(0x10), detach: true });
});
