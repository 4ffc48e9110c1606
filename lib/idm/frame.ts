import { crc32 } from "./crc32.ts";

/**
 * IDM frame: 16-byte header then payload.
 *   0  magic   "PIDM"
 *   4  version u8 (1)
 *   5  flags   u8 (0)
 *   6  reserved u16 (0)
 *   8  length  u32 LE, payload bytes
 *  12  crc32   u32 LE, of the payload
 */
export const MAGIC = new Uint8Array([0x50, 0x49, 0x44, 0x4d]);
export const VERSION = 1;
export const HEADER_BYTES = 16;
/** Default largest payload; both ends refuse bigger frames. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20;

/** Wraps a payload in a frame. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  frame.set(MAGIC, 0);
  frame[4] = VERSION;
  view.setUint32(8, payload.length, true);
  view.setUint32(12, crc32(payload), true);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

/** Payloads up to this size are copied into one write; bigger ones go out as a second write. */
const SEPARATE_PAYLOAD_BYTES = 16 * 1024;

/**
 * Frames an already-encoded message head plus a large bytes field without
 * copying the field: returns the frame as one or two buffers to write in
 * order. `tail` is appended to the message as protobuf field `field`
 * (length-delimited), which protobuf allows in any position.
 */
export function encodeFrameParts(head: Uint8Array, field: number, tail: Uint8Array): Uint8Array[] {
  const key: number[] = [(field << 3) | 2];
  for (let n = tail.length;; n >>>= 7) {
    if (n < 0x80) {
      key.push(n);
      break;
    }
    key.push((n & 0x7f) | 0x80);
  }
  const keyBytes = new Uint8Array(key);
  const length = head.length + keyBytes.length + tail.length;
  const crc = crc32(tail, crc32(keyBytes, crc32(head)));
  const together = tail.length <= SEPARATE_PAYLOAD_BYTES;
  const first = new Uint8Array(
    HEADER_BYTES + head.length + keyBytes.length + (together ? tail.length : 0),
  );
  const view = new DataView(first.buffer);
  first.set(MAGIC, 0);
  first[4] = VERSION;
  view.setUint32(8, length, true);
  view.setUint32(12, crc, true);
  first.set(head, HEADER_BYTES);
  first.set(keyBytes, HEADER_BYTES + head.length);
  if (together) {
    first.set(tail, HEADER_BYTES + head.length + keyBytes.length);
    return [first];
  }
  return [first, tail];
}
