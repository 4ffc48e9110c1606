/**
 * SPDY/3.1 framing (SPDY Protocol draft 3.1): the 8-byte frame headers, the control frame
 * payloads the streaming server reads and writes, and name/value header blocks (before
 * their zlib compression, which spdy_headers.ts does). Pure functions; everything read is
 * bounded, since the peer is a network client.
 */

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  CANCEL: 5,
  FLOW_CONTROL_ERROR: 7,
} as const;

/** SETTINGS id of the initial per-stream window. */
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

/** A frame larger than this is refused (the length field allows 16 MiB). */
export const MAX_FRAME_BYTES = 1 << 20;
const MAX_HEADERS = 64;
const MAX_HEADER_BYTES = 16 * 1024;

export type Frame =
  | { control: true; type: number; flags: number; data: Uint8Array }
  | { control: false; streamId: number; flags: number; data: Uint8Array };

export class SpdyProtocolError extends Error {}

/** Splits a byte stream into frames as they complete. */
export class FrameReader {
  #buffer = new Uint8Array(0);

  push(chunk: Uint8Array): Frame[] {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    const frames: Frame[] = [];
    let at = 0;
    while (joined.length - at >= 8) {
      const view = new DataView(joined.buffer, joined.byteOffset + at);
      const length = view.getUint32(4) & 0xffffff;
      if (length > MAX_FRAME_BYTES) throw new SpdyProtocolError(`a frame of ${length} bytes`);
      if (joined.length - at < 8 + length) break;
      const flags = joined[at + 4];
      const data = joined.slice(at + 8, at + 8 + length);
      if (joined[at] & 0x80) {
        const version = view.getUint16(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`SPDY version ${version}`);
        frames.push({ control: true, type: view.getUint16(2), flags, data });
      } else {
        frames.push({ control: false, streamId: view.getUint32(0) & 0x7fffffff, flags, data });
      }
      at += 8 + length;
    }
    this.#buffer = joined.slice(at);
    return frames;
  }
}

function frame(head: (view: DataView) => void, flags: number, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(8 + data.length);
  const view = new DataView(bytes.buffer);
  head(view);
  view.setUint32(4, (flags << 24) | data.length);
  bytes.set(data, 8);
  return bytes;
}

export function controlFrame(type: number, flags: number, data: Uint8Array): Uint8Array {
  return frame(
    (v) => {
      v.setUint16(0, 0x8000 | SPDY_VERSION);
      v.setUint16(2, type);
    },
    flags,
    data,
  );
}

export function dataFrame(streamId: number, flags: number, data: Uint8Array): Uint8Array {
  return frame((v) => v.setUint32(0, streamId & 0x7fffffff), flags, data);
}

const u32s = (...values: number[]) => {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((n, i) => view.setUint32(i * 4, n >>> 0));
  return bytes;
};

export function parseSynStream(data: Uint8Array) {
  if (data.length < 10) throw new SpdyProtocolError("a short SYN_STREAM");
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  return { streamId: view.getUint32(0) & 0x7fffffff, headerBlock: data.subarray(10) };
}

export function synReplyFrame(streamId: number, headerBlock: Uint8Array, flags = 0): Uint8Array {
  const data = new Uint8Array(4 + headerBlock.length);
  data.set(u32s(streamId));
  data.set(headerBlock, 4);
  return controlFrame(FrameType.SYN_REPLY, flags, data);
}

export const rstStreamFrame = (streamId: number, status: number) =>
  controlFrame(FrameType.RST_STREAM, 0, u32s(streamId, status));

export const windowUpdateFrame = (streamId: number, delta: number) =>
  controlFrame(FrameType.WINDOW_UPDATE, 0, u32s(streamId, delta));

export const goawayFrame = (lastGoodStreamId: number, status = 0) =>
  controlFrame(FrameType.GOAWAY, 0, u32s(lastGoodStreamId, status));

export const pingFrame = (id: number) => controlFrame(FrameType.PING, 0, u32s(id));

/** The first two 32-bit words of a control payload (stream IDs, statuses, deltas). */
export function words(data: Uint8Array): [number, number] {
  if (data.length < 4) throw new SpdyProtocolError("a short control frame");
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  return [view.getUint32(0), data.length >= 8 ? view.getUint32(4) : 0];
}

/** SETTINGS entries: id → value. */
export function parseSettings(data: Uint8Array): Map<number, number> {
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const count = data.length >= 4 ? view.getUint32(0) : 0;
  if (data.length < 4 + count * 8) throw new SpdyProtocolError("a short SETTINGS frame");
  const settings = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    settings.set(view.getUint32(4 + i * 8) & 0xffffff, view.getUint32(8 + i * 8));
  }
  return settings;
}

/** A name/value block (uncompressed): count, then length-prefixed names and values. */
export function encodeHeaders(headers: Record<string, string>): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [u32s(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    const n = encoder.encode(name.toLowerCase());
    const v = encoder.encode(value);
    parts.push(u32s(n.length), n, u32s(v.length), v);
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads a name/value block; refuses more than 64 headers or 16 KiB of them. */
export function decodeHeaders(block: Uint8Array): Map<string, string> {
  if (block.length > MAX_HEADER_BYTES) throw new SpdyProtocolError("a header block over 16 KiB");
  const view = new DataView(block.buffer, block.byteOffset, block.length);
  const decoder = new TextDecoder();
  let at = 0;
  const take = () => {
    if (at + 4 > block.length) throw new SpdyProtocolError("a truncated header block");
    const n = view.getUint32(at);
    if (at + 4 + n > block.length) throw new SpdyProtocolError("a truncated header block");
    const text = decoder.decode(block.subarray(at + 4, at + 4 + n));
    at += 4 + n;
    return text;
  };
  const count = block.length >= 4 ? view.getUint32(0) : 0;
  if (count > MAX_HEADERS) throw new SpdyProtocolError(`${count} headers`);
  at = 4;
  const headers = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    headers.set(name, take());
  }
  return headers;
}
