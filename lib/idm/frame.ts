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
  frame.set(payload, HEADER_BYTES);
  writeHeader(frame, 0, payload.length, crc32(payload));
  return frame;
}

/** The 16-byte header at `at`, for a payload of `length` bytes with CRC `crc`. */
function writeHeader(target: Uint8Array, at: number, length: number, crc: number): void {
  target.set(MAGIC, at);
  target[at + 4] = VERSION;
  target[at + 5] = target[at + 6] = target[at + 7] = 0;
  writeUint32LE(target, at + 8, length);
  writeUint32LE(target, at + 12, crc);
}

/** Byte by byte: no DataView to allocate per frame. */
function writeUint32LE(target: Uint8Array, at: number, value: number): void {
  target[at] = value;
  target[at + 1] = value >>> 8;
  target[at + 2] = value >>> 16;
  target[at + 3] = value >>> 24;
}

/** The u32 LE at `at` (a frame's length or CRC field). */
export function readUint32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/** Bytes of a frame carrying `head` plus a `payloadLength`-byte field (key, length, bytes). */
export function frameSize(head: Uint8Array, payloadLength: number): number {
  return HEADER_BYTES + head.length + 1 + varintSize(payloadLength) + payloadLength;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/**
 * Writes at `at` in `target` (which has frameSize() bytes there) the frame of an
 * already-encoded message head plus a bytes field `field` holding `payload`, which
 * protobuf allows in any position: the payload is copied once, straight to its
 * place. `headCrc` is crc32(head), for a caller that sends the same head often.
 */
export function writeFrame(
  target: Uint8Array,
  at: number,
  head: Uint8Array,
  field: number,
  payload: Uint8Array,
  headCrc = crc32(head),
): void {
  let p = at + HEADER_BYTES;
  target.set(head, p);
  p += head.length;
  const key = p;
  target[p++] = (field << 3) | 2;
  for (let n = payload.length;; n = Math.floor(n / 128)) {
    if (n < 0x80) {
      target[p++] = n;
      break;
    }
    target[p++] = (n & 0x7f) | 0x80;
  }
  const keyCrc = crc32(target.subarray(key, p), headCrc);
  target.set(payload, p);
  writeHeader(target, at, p + payload.length - at - HEADER_BYTES, crc32(payload, keyCrc));
}
