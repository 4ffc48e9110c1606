/** Payloads smaller than this are plain copies: cheap, and never worth pooling. */
export const POOL_MIN_BYTES = 4096;
/** Pooled sizes are multiples of this: a 64 KiB chunk plus its packet head takes 80 KiB. */
const SIZE_STEP = 16 * 1024;

/**
 * Reusable buffers for received frame payloads. Taking a fresh buffer for every
 * 64 KiB payload is what an IDM stream cost most (V8 pays for each new backing
 * store in zeroing and GC work: raw 64 KiB socket reads ran at 1151 MiB/s into
 * fresh buffers against 3506 MiB/s into a reused one). A buffer comes back only
 * through `release`, from whoever owned the payload (a stream, once its reader
 * moved on); one never released is simply left to the GC. At most `keepBytes`
 * wait in the free lists (per peer: the daemon has one per zone).
 */
export class PayloadPool {
  #free = new Map<number, ArrayBuffer[]>();
  #kept = 0;
  /** Buffers handed out by take(), so release() ignores views it never gave. */
  #lent = new WeakSet<ArrayBuffer>();

  constructor(readonly keepBytes = 2 << 20) {}

  /** A buffer of exactly `length` bytes (a view of a pooled one when it is big enough). */
  take(length: number): Uint8Array {
    if (length < POOL_MIN_BYTES) return new Uint8Array(length);
    const size = Math.ceil(length / SIZE_STEP) * SIZE_STEP;
    const buffer = this.#free.get(size)?.pop();
    if (buffer) this.#kept -= size;
    const out = buffer ?? new ArrayBuffer(size);
    this.#lent.add(out);
    return new Uint8Array(out, 0, length);
  }

  /** Gives back the buffer behind `view` (from take()); its bytes may be overwritten from now on. */
  release(view: Uint8Array): void {
    const buffer = view.buffer as ArrayBuffer;
    if (!this.#lent.has(buffer)) return;
    this.#lent.delete(buffer);
    const size = buffer.byteLength;
    if (this.#kept + size > this.keepBytes) return;
    this.#kept += size;
    const list = this.#free.get(size) ?? [];
    list.push(buffer);
    this.#free.set(size, list);
  }
}
