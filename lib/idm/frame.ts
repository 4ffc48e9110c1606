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
