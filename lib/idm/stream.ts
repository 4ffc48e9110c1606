import { ResourceExhaustedError } from "../errors/mod.ts";

/** What a stream needs from its peer. */
export interface StreamLink {
  sendData(id: bigint, data: Uint8Array): Promise<void>;
  sendCredit(id: bigint, credit: number): Promise<void>;
  sendClose(id: bigint, error?: string): Promise<void>;
  forget(id: bigint): void;
  /** Gives back the buffer of a received chunk (the frame it came in) once it was read. */
  release(frame: Uint8Array): void;
}

/**
 * One direction-agnostic IDM stream with credit-based flow control: the
 * receiver grants credit as its reader consumes, the sender waits when it has
 * none. So neither side can be made to drop data or buffer without bound.
 */
export class IdmStream implements AsyncIterable<Uint8Array> {
  #credit: number;
  #creditWaiters: Array<() => void> = [];
  /** Received chunks, each with the frame whose buffer goes back once it was read. */
  #inbox: Array<{ data: Uint8Array; frame: Uint8Array }> = [];
  #consumed = 0;
  #readWaiter?: () => void;
  #remoteClosed = false;
  #remoteError?: string;
  #localClosed = false;

  constructor(
    readonly id: bigint,
    readonly type: string,
    private readonly link: StreamLink,
    /** Data packets each side may have in flight. */
    readonly window: number,
  ) {
    this.#credit = window;
  }

  /** Sends one data packet, waiting for credit first. */
  write(data: Uint8Array): Promise<void> {
    // With credit in hand (the usual case) this is no async function: one promise less per chunk.
    if (this.#credit === 0 || this.#remoteClosed || this.#localClosed) {
      return this.#writeLater(data);
    }
    this.#credit--;
    return this.link.sendData(this.id, data);
  }

  async #writeLater(data: Uint8Array): Promise<void> {
    while (this.#credit === 0 && !this.#remoteClosed) {
      await new Promise<void>((r) => this.#creditWaiters.push(r));
    }
    if (this.#remoteClosed || this.#localClosed) {
      throw new Error(`IDM stream ${this.type} is closed`);
    }
    this.#credit--;
    await this.link.sendData(this.id, data);
  }

  /** Ends our side; `error` tells the other side why. */
  async close(error?: string): Promise<void> {
    if (this.#localClosed) return;
    this.#localClosed = true;
    await this.link.sendClose(this.id, error);
    if (this.#remoteClosed) this.link.forget(this.id);
  }

  /**
   * The data packets, in order. Each chunk is only valid until the next one is
   * asked for (or the loop ends): its buffer then goes back to the peer. Copy a
   * chunk to keep it. (A plain iterator, not an async generator: a chunk that
   * is already here costs one resolved promise.)
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    let lent: Uint8Array | undefined;
    const giveBack = () => {
      if (lent) this.link.release(lent);
      lent = undefined;
    };
    const next = (): Promise<IteratorResult<Uint8Array>> => {
      giveBack();
      const chunk = this.#inbox.shift();
      if (chunk) {
        this.#consumedOne();
        lent = chunk.frame;
        return Promise.resolve({ value: chunk.data, done: false });
      }
      if (this.#remoteClosed) {
        if (this.#remoteError) return Promise.reject(new Error(this.#remoteError));
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise<void>((r) => this.#readWaiter = r).then(() => {
        this.#readWaiter = undefined;
        return next();
      });
    };
    return {
      next,
      return: () => {
        giveBack();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** Gives credit back in halves of the window: fewer credit packets. */
  #consumedOne(): void {
    if (++this.#consumed < Math.max(1, this.window >> 1)) return;
    const grant = this.#consumed;
    this.#consumed = 0;
    // A channel that fails closes the stream, which the reader then sees.
    if (!this.#remoteClosed) this.link.sendCredit(this.id, grant).catch(() => {});
  }

  // Called by the peer.

  /** `data` came in `frame`, whose buffer goes back (link.release) once the reader moves on. */
  receiveData(data: Uint8Array, frame: Uint8Array): void {
    if (this.#inbox.length >= this.window) {
      // The other side ignored flow control: refuse rather than buffer without bound.
      throw new ResourceExhaustedError(`IDM stream ${this.type} sent past its credit`);
    }
    this.#inbox.push({ data, frame });
    this.#readWaiter?.();
  }

  receiveCredit(credit: number): void {
    this.#credit = Math.min(this.#credit + credit, this.window);
    for (const w of this.#creditWaiters.splice(0)) w();
  }

  receiveClose(error?: string): void {
    this.#remoteClosed = true;
    this.#remoteError = error || undefined;
    this.#readWaiter?.();
    for (const w of this.#creditWaiters.splice(0)) w();
    if (this.#localClosed) this.link.forget(this.id);
  }
}
