/** Items from several producers, in arrival order, as one async iterable that ends on `end()`. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #wake?: () => void;
  #ended = false;

  push(item: T): void {
    if (this.#ended) return;
    this.#items.push(item);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    while (true) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((r) => this.#wake = r);
    }
  }
}
