import { crc32 } from "./crc32.ts";

/**
 * IDM frame: 16-byte header then payload.
 *   0  magic   "PIDM"
 *   4  version u8 (2)
 *   5  flags   u8 (0)
 *   6  reserved u16 (0)
 *   8  length  u32 LE, payload bytes
 *  12  crc32   u32 LE, of header bytes 0-11
 *
 * Version 1 had the CRC over the payload. Over a vchan ring or a Unix socket bytes are
 * not corrupted in transit, and a hostile zone forges any CRC, so what a CRC buys is
 * finding frame boundaries again after garbage: the header's CRC does that (a magic
 * inside a payload or random bytes is not taken for a frame, a lying length is caught
 * before any payload is awaited) without reading every payload byte twice.
 */
export const MAGIC = new Uint8Array([0x50, 0x49, 0x44, 0x4d]);
export const VERSION = 2;
export const HEADER_BYTES = 16;
/** Default largest payload; both ends refuse bigger frames. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20;

/** Wraps a payload in a frame. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES + payload.length);
  frame.set(payload, HEADER_BYTES);
  writeHeader(frame, 0, payload.length);
  return frame;
}

/** The 16-byte header at `at`, for a payload of `length` bytes. */
function writeHeader(target: Uint8Array, at: number, length: number): void {
  target.set(MAGIC, at);
  target[at + 4] = VERSION;
  target[at + 5] = target[at + 6] = target[at + 7] = 0;
  writeUint32LE(target, at + 8, length);
  writeUint32LE(target, at + 12, headerCrc(target, at));
}

/**
 * The CRC of the header at `at` (its first 12 bytes). JavaScript's own: for 12 bytes a
 * call into native code costs more than it saves.
 */
export function headerCrc(bytes: Uint8Array, at: number): number {
  return crc32(bytes.subarray(at, at + 12));
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
 * place.
 */
export function writeFrame(
  target: Uint8Array,
  at: number,
  head: Uint8Array,
  field: number,
  payload: Uint8Array,
): void {
  let p = at + HEADER_BYTES;
  target.set(head, p);
  p += head.length;
  target[p++] = (field << 3) | 2;
  for (let n = payload.length;; n = Math.floor(n / 128)) {
    if (n < 0x80) {
      target[p++] = n;
      break;
    }
    target[p++] = (n & 0x7f) | 0x80;
  }
  target.set(payload, p);
  writeHeader(target, at, p + payload.length - at - HEADER_BYTES);
}
