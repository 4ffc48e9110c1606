/** Bytes asked for per socket read: several 64 KiB stream frames, so most arrive whole. */
export const READ_BYTES = 256 * 1024;

/**
 * Buffers a transport reads into, which frame payloads may be lent out of
 * without a copy (copying each received 64 KiB chunk cost a tenth of an IDM
 * stream's throughput). Each buffer counts its holds: the reader's own, until it
 * reads again, and one per payload lent from it. A buffer is read into again
 * only once every hold is released; one never released is left to the GC (holds
 * are kept in a WeakMap). At most `keep` free buffers wait for reuse.
 */
export class ReadBuffers {
  #free: ArrayBuffer[] = [];
  /** Per buffer in use, its hold count (a box: one map lookup per retain or release). */
  #holds = new WeakMap<ArrayBuffer, { count: number }>();

  constructor(readonly size = READ_BYTES, readonly keep = 4) {}

  /** A buffer to read into, held once (by the reader) until released. */
  take(): Uint8Array {
    const buffer = this.#free.pop() ?? new ArrayBuffer(this.size);
    this.#holds.set(buffer, { count: 1 });
    return new Uint8Array(buffer);
  }

  /** One more hold on the buffer behind `view`; false when it is not a held buffer of ours. */
  retain(view: Uint8Array): boolean {
    const holds = this.#holds.get(view.buffer as ArrayBuffer);
    if (!holds) return false;
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
    if (this.#free.length < this.keep) this.#free.push(buffer);
    return true;
  }
}
