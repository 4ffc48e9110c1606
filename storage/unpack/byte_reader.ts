/**
 * Pull-based reads of exact byte counts from a chunked stream, without
 * copying chunks more than once.
 */
export class ByteReader {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #done = false;
  #iterator: AsyncIterator<Uint8Array>;
  /** Bytes consumed so far (for error messages). */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** Buffers until `n` bytes are available or the stream ends; returns how many are. */
  async #fill(n: number): Promise<number> {
    while (this.#buffered < n && !this.#done) {
      const next = await this.#iterator.next();
      if (next.done) {
        this.#done = true;
        break;
      }
      if (next.value.byteLength > 0) {
        this.#chunks.push(next.value);
        this.#buffered += next.value.byteLength;
      }
    }
    return Math.min(n, this.#buffered);
  }

  /** Exactly `n` bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Uint8Array> {
    const available = await this.#fill(n);
    const first = this.#chunks[0];
    if (first && first.byteLength >= available) {
      const out = first.subarray(0, available);
      this.#consume(available);
      return out;
    }
    const out = new Uint8Array(available);
    let written = 0;
    while (written < available) {
      const chunk = this.#chunks[0];
      const take = Math.min(chunk.byteLength, available - written);
      out.set(chunk.subarray(0, take), written);
      written += take;
      this.#consume(take);
    }
    return out;
  }

  /** Up to `max` bytes as they arrive (for streaming entry bodies); empty at end. */
  async readSome(max: number): Promise<Uint8Array> {
    if (this.#buffered === 0) await this.#fill(1);
    const chunk = this.#chunks[0];
    if (!chunk) return new Uint8Array(0);
    const take = Math.min(chunk.byteLength, max);
    const out = chunk.subarray(0, take);
    this.#consume(take);
    return out;
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const got = await this.readSome(Math.min(left, 1 << 20));
      if (got.byteLength === 0) break;
      left -= got.byteLength;
    }
    return n - left;
  }

  #consume(n: number): void {
    this.offset += n;
    this.#buffered -= n;
    const chunk = this.#chunks[0];
    if (n === chunk.byteLength) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
  }
}
