/**
 * Requests of a client-streaming call from several sources (stdin, resize signals), in
 * arrival order; the stream ends after the item `isLast` picks (stdin's end), or at `end()`.
 */
export class RequestQueue<T> implements AsyncIterable<T> {
  #queue: T[] = [];
  #wake?: () => void;
  #ended = false;

  constructor(private readonly isLast: (item: T) => boolean = () => false) {}

  push(item: T): void {
    this.#queue.push(item);
    this.#wake?.();
  }

  /** No more requests: the stream ends once the queue is drained. */
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    while (true) {
      const item = this.#queue.shift();
      if (item !== undefined) {
        yield item;
        if (this.isLast(item)) return;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
  }
}
