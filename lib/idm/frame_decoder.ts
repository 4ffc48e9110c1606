import {
  DEFAULT_MAX_FRAME_BYTES,
  HEADER_BYTES,
  headerCrc,
  MAGIC,
  readUint32LE,
  VERSION,
} from "./frame.ts";
import { PayloadPool } from "./payload_pool.ts";
import type { ReadBuffers } from "./read_buffers.ts";

/**
 * Payloads at least this big are lent straight out of a transport's read
 * buffer instead of copied: one then keeps at most 8x its size alive.
 */
export const LEND_MIN_BYTES = 32 * 1024;

/** What the decoder has seen; corrupt input is counted, never fatal. */
export interface DecoderStats {
  frames: number;
  /** Frame headers refused: bad CRC, another version, or a length over the limit. */
  corrupt: number;
  /** Bytes skipped while resynchronising on the magic. */
  skippedBytes: number;
  /**
   * The version of an older IDM frame header seen (the other end is another protect
   * release, which this end cannot talk to); undefined while none was.
   */
  foreignVersion?: number;
}

/**
 * Turns a byte stream into frame payloads. A frame whose header fails its CRC is
 * skipped by resynchronising on the next magic — starting one byte past the bad
 * one — never by discarding buffered data; a header is checked before its payload
 * is awaited, so a lying length stalls nothing. Payload bytes are the transport's
 * to keep intact (frame.ts). Memory stays below limit + one chunk.
 *
 * A big payload read whole from a chunk whose buffer `chunks` can hold is lent
 * from it, not copied; any other is copied into a pool buffer.
 */
export class FrameDecoder {
  readonly stats: DecoderStats = { frames: 0, corrupt: 0, skippedBytes: 0 };
  #buffer: Uint8Array;
  #borrowed = false;
  /** Where split frames are gathered, unless they get a buffer of their own (#exact). */
  #staging = new Uint8Array(0);
  /**
   * #buffer is a pool buffer sized for the frame staged in it: once a frame ends
   * at its very end, nothing else lives in it and it goes out with that payload.
   */
  #exact = false;
  #start = 0;
  #end = 0;

  constructor(
    readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    /** Where payloads are copied to; whoever ends up owning one may give it back. */
    readonly pool = new PayloadPool(),
    /** The transport's read buffers, when payloads may be lent from its chunks. */
    readonly chunks?: ReadBuffers,
  ) {
    this.#buffer = this.#staging;
  }

  /** Gives back a payload from push(), once its owner is done with it. */
  release(payload: Uint8Array): void {
    if (!this.chunks?.release(payload)) this.pool.release(payload);
  }

  /** Bytes currently held (for tests of the memory bound). */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /**
   * Feeds bytes; returns the payloads of every complete, valid frame, each the
   * caller's until it gives it back with release(). `chunk` is only read during
   * the call (unless `chunks` holds its buffer), so the transport may reuse it.
   * Only a frame split across chunks is staged in our own buffer (just as many
   * bytes of `chunk` as complete it); the rest of the chunk is read in place.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let offset = 0;
    while (this.#end > this.#start && offset < chunk.length) {
      const take = Math.min(this.#missing(), chunk.length - offset);
      this.#append(chunk.subarray(offset, offset + take));
      offset += take;
      this.#drain(out);
    }
    if (offset < chunk.length) {
      // Nothing is buffered: read the rest of the chunk where it lies.
      this.#buffer = chunk;
      this.#start = offset;
      this.#end = chunk.length;
      this.#borrowed = true;
      this.#drain(out);
      // Keep any partial frame in our own buffer, never in the caller's chunk.
      const rest = this.#buffer.subarray(this.#start, this.#end);
      this.#buffer = this.#staging; // an exact buffer left here was empty: let it go
      this.#exact = false;
      this.#start = this.#end = 0;
      this.#borrowed = false;
      if (rest.length) this.#append(rest);
    }
    return out;
  }

  #drain(out: Uint8Array[]): void {
    while (true) {
      const payload = this.#next();
      if (payload === undefined) return;
      out.push(payload);
    }
  }

  /**
   * Bytes still needed before the buffered frame can be checked: the rest of
   * its header, or of its payload once the header is in. At least 1.
   */
  #missing(): number {
    const live = this.#end - this.#start;
    if (live < HEADER_BYTES) return HEADER_BYTES - live;
    return Math.max(1, HEADER_BYTES + readUint32LE(this.#buffer, this.#start + 8) - live);
  }

  #append(chunk: Uint8Array): void {
    const live = this.#end - this.#start;
    const need = live + chunk.length;
    if (this.#end + chunk.length > this.#buffer.length) {
      const frame = this.#frameBytes(live ? this.#buffer.subarray(this.#start, this.#end) : chunk);
      this.#exact = frame >= LEND_MIN_BYTES && frame >= need;
      let next: Uint8Array;
      if (this.#exact) {
        next = this.pool.take(frame); // the frame's own buffer: it goes out whole, uncopied
      } else {
        if (this.#staging.length < need) {
          const grown = Math.min(this.#staging.length * 2, this.maxFrameBytes * 2 + HEADER_BYTES);
          this.#staging = new Uint8Array(Math.max(need, grown));
        }
        next = this.#staging;
      }
      if (next === this.#buffer) next.copyWithin(0, this.#start, this.#end);
      else next.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = next;
      this.#start = 0;
      this.#end = live;
    }
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Bytes of the frame whose header starts `bytes`, if that header is valid; else 0. */
  #frameBytes(bytes: Uint8Array): number {
    if (bytes.length < HEADER_BYTES) return 0;
    for (let k = 0; k < 4; k++) if (bytes[k] !== MAGIC[k]) return 0;
    return this.#validHeader(bytes, 0) ? HEADER_BYTES + readUint32LE(bytes, 8) : 0;
  }

  /**
   * Whether the 16 bytes at `at` (after a magic) are a header of ours: this version, its
   * CRC right, a length within the limit. An older version's header is noted in stats.
   */
  #validHeader(bytes: Uint8Array, at: number): boolean {
    const version = bytes[at + 4];
    if (version !== VERSION) {
      // Version 1's header: flags and reserved zero (what follows a magic in garbage rarely is).
      if (version === 1 && bytes[at + 5] === 0 && bytes[at + 6] === 0 && bytes[at + 7] === 0) {
        this.stats.foreignVersion = version;
      }
      return false;
    }
    return headerCrc(bytes, at) === readUint32LE(bytes, at + 12) &&
      readUint32LE(bytes, at + 8) <= this.maxFrameBytes;
  }

  /** Index of the next magic at or after `from`, or -1 (a partial magic at the end counts). */
  #findMagic(from: number): number {
    const b = this.#buffer;
    for (let i = from; i < this.#end; i++) {
      if (b[i] !== MAGIC[0]) continue;
      let match = true;
      for (let k = 1; k < 4 && i + k < this.#end; k++) {
        if (b[i + k] !== MAGIC[k]) {
          match = false;
          break;
        }
      }
      if (match) return i;
    }
    return -1;
  }

  #skipTo(index: number): void {
    this.stats.skippedBytes += index - this.#start;
    this.#start = index;
  }

  /** A payload the caller may keep: lent from the caller's chunk when it can be, else a copy. */
  #keep(bytes: Uint8Array): Uint8Array {
    if (this.#borrowed && bytes.length >= LEND_MIN_BYTES && this.chunks?.retain(bytes)) {
      return bytes;
    }
    if (!this.#borrowed && this.#exact && this.#start === this.#buffer.length) {
      this.#buffer = this.#staging;
      this.#exact = false;
      this.#start = this.#end = 0;
      return bytes;
    }
    const payload = this.pool.take(bytes.length);
    payload.set(bytes);
    return payload;
  }

  #next(): Uint8Array | undefined {
    while (true) {
      const at = this.#findMagic(this.#start);
      if (at < 0) {
        this.#skipTo(this.#end);
        return undefined;
      }
      if (at > this.#start) this.#skipTo(at);
      if (this.#end - this.#start < HEADER_BYTES) return undefined;
      if (!this.#validHeader(this.#buffer, this.#start)) {
        this.stats.corrupt++;
        this.#skipTo(this.#start + 1);
        continue;
      }
      const length = readUint32LE(this.#buffer, this.#start + 8);
      if (this.#end - this.#start < HEADER_BYTES + length) return undefined;
      const payloadStart = this.#start + HEADER_BYTES;
      const bytes = this.#buffer.subarray(payloadStart, payloadStart + length);
      this.#start = payloadStart + length;
      this.stats.frames++;
      const payload = this.#keep(bytes);
      if (this.#start === this.#end && !this.#borrowed) this.#start = this.#end = 0;
      return payload;
    }
  }
}
