import { frameSize, writeFrame } from "./frame.ts";

/** What one transport write carries at most, unless a single frame is bigger. */
const BATCH_BYTES = 256 * 1024;
/** Where the buffers start: a channel that carries only control messages stays small. */
const FIRST_BYTES = 16 * 1024;

/** Resolved already: what a push that fits at once returns, without a new promise each time. */
const QUEUED = Promise.resolve();

/**
 * Writes frames in order, batched: each frame is written straight into one of two
 * reused buffers, and one buffer is written while the other fills. So a stream of 64 KiB
 * frames costs a few big writes instead of two per frame, and the caller may reuse
 * its buffers as soon as `push` resolves (when the frame is queued, not written).
 * Memory is bounded: past two full buffers, `push` waits for the transport. The
 * buffers grow to BATCH_BYTES as traffic needs, from FIRST_BYTES.
 */
export class FrameWriter {
  #filling = new Uint8Array(FIRST_BYTES);
  #spare = new Uint8Array(FIRST_BYTES);
  #used = 0;
  #writing = false;
  /** Pushes waiting for room, in order. */
  #waiting: Array<() => void> = [];
  #failure?: Error;
  #roomWaiter?: () => void;
  #idleWaiters: Array<() => void> = [];

  constructor(private readonly write: (bytes: Uint8Array) => Promise<void>) {}

  /**
   * Queues the frame of `head` (a packet without its payload) plus `payload` as
   * field `field` (see writeFrame); rejects once the transport has failed.
   */
  push(head: Uint8Array, field: number, payload: Uint8Array): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const size = frameSize(head, payload.length);
    if (this.#waiting.length === 0 && this.#fits(size)) {
      this.#append(size, head, field, payload);
      return QUEUED;
    }
    return this.#pushLater(size, head, field, payload);
  }

  async #pushLater(
    size: number,
    head: Uint8Array,
    field: number,
    payload: Uint8Array,
  ): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiting.push(resolve);
    if (this.#waiting.length > 1) await promise; // behind earlier pushes
    try {
      while (!this.#fits(size)) {
        if (this.#failure) throw this.#failure;
        await new Promise<void>((r) => this.#roomWaiter = r);
      }
      if (this.#failure) throw this.#failure;
      this.#append(size, head, field, payload);
    } finally {
      this.#waiting.shift();
      this.#waiting[0]?.();
    }
  }

  /** Resolves once everything queued so far is written (or the transport failed). */
  flushed(): Promise<void> {
    if (!this.#writing && this.#used === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Room in a batch (growing the buffer if need be); a bigger frame needs an empty one. */
  #fits(size: number): boolean {
    return this.#used + size <= BATCH_BYTES || (this.#used === 0 && !this.#writing);
  }

  /** Writes the frame (see writeFrame) at the end of the filling batch. */
  #append(
    size: number,
    head: Uint8Array,
    field: number,
    payload: Uint8Array,
  ): void {
    if (this.#used + size > this.#filling.length) {
      const grown = new Uint8Array(Math.max(this.#used + size, this.#filling.length * 2));
      grown.set(this.#filling.subarray(0, this.#used));
      this.#filling = grown;
    }
    writeFrame(this.#filling, this.#used, head, field, payload);
    this.#used += size;
    if (!this.#writing) void this.#drain();
  }

  /** Writes the filling buffer while the spare one fills, until nothing is queued. */
  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#used > 0) {
        const full = this.#filling.subarray(0, this.#used);
        [this.#filling, this.#spare] = [this.#spare, this.#filling];
        this.#used = 0;
        this.#wakeOne();
        await this.write(full);
      }
    } catch (e) {
      this.#failure = e as Error;
    } finally {
      this.#writing = false;
      this.#wakeOne();
      for (const idle of this.#idleWaiters.splice(0)) idle();
    }
  }

  #wakeOne(): void {
    const wake = this.#roomWaiter;
    this.#roomWaiter = undefined;
    wake?.();
  }
}
