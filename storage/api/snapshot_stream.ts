/**
 * Turns a callback of cumulative snapshots into an async stream that yields
 * the latest snapshot whenever the reader is ready: a slow client sees fewer,
 * newer snapshots instead of an ever-growing queue. Nothing is lost, because
 * each snapshot contains everything before it.
 */
export class SnapshotStream<T> {
  #latest: T | undefined;
  #fresh = false;
  #ended = false;
  #error: unknown;
  #wake?: () => void;

  push(value: T): void {
    this.#latest = value;
    this.#fresh = true;
    this.#wake?.();
  }

  end(error?: unknown): void {
    this.#ended = true;
    this.#error = error;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    while (true) {
      if (this.#fresh) {
        this.#fresh = false;
        yield this.#latest as T;
        continue;
      }
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((r) => this.#wake = r);
      this.#wake = undefined;
    }
  }
}
