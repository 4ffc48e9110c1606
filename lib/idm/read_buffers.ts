/** Bytes asked for per socket read: several 64 KiB stream frames, so most arrive whole. */
export const READ_BYTES = 256 * 1024;

/**
 * Buffers a transport reads into, which frame payloads may be lent out of
 * without a copy (copying each received 64 KiB chunk cost a tenth of an IDM
 * stream's throughput). Each buffer counts its holds: the reader's own, until it
 * reads again, and one per payload lent from it. A buffer is read into again
 * only once every hold is released; one never released is left to the GC (holds
 * are kept in a WeakMap). At most `keep` free buffers wait for reuse.
 *
 * The other side decides how its frames fall into reads, so it could make each
 * lent payload pin a whole buffer: past `maxOut` buffers in use, retain() refuses
 * to lend from another one, and the decoder copies instead. That bounds what
 * lending can hold per channel to maxOut x size (4 MiB by default).
 */
export class ReadBuffers {
  #free: ArrayBuffer[] = [];
  /** Per buffer in use, its hold count (a box: one map lookup per retain or release). */
  #holds = new WeakMap<ArrayBuffer, { count: number }>();
  /** Buffers taken and not yet given back: the reader's, and those payloads still hold. */
  #out = 0;

  constructor(readonly size = READ_BYTES, readonly keep = 4, readonly maxOut = 16) {}

  /** A buffer to read into, held once (by the reader) until released. */
  take(): Uint8Array {
    const buffer = this.#free.pop() ?? new ArrayBuffer(this.size);
    this.#holds.set(buffer, { count: 1 });
    this.#out++;
    return new Uint8Array(buffer);
  }

  /**
   * One more hold on the buffer behind `view`; false when it is not a held buffer
   * of ours, or when lending from it would keep more than `maxOut` buffers out.
   */
  retain(view: Uint8Array): boolean {
    const holds = this.#holds.get(view.buffer as ArrayBuffer);
    if (!holds || (holds.count === 1 && this.#out > this.maxOut)) return false;
    holds.count++;
    return true;
  }

  /**
   * Drops one hold on the buffer behind `view`; the last one frees the buffer,
   * whose bytes may then be overwritten. False when it held nothing of ours.
   */
  release(view: Uint8Array): boolean {
    const buffer = view.buffer as ArrayBuffer;
    const holds = this.#holds.get(buffer);
    if (!holds) return false;
    if (--holds.count > 0) return true;
    this.#holds.delete(buffer);
    this.#out--;
    if (this.#free.length < this.keep) this.#free.push(buffer);
    return true;
  }
}
