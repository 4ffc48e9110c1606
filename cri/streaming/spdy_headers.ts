import * as zlib from "node:zlib";
import { SPDY3_DICTIONARY } from "./spdy_dictionary.ts";

/**
 * One direction's zlib context for SPDY header blocks: every block of a session continues
 * the same deflate stream, primed with the SPDY/3 dictionary and cut with a sync flush.
 * Calls must not overlap (the session runs them one at a time).
 */
class ZlibContext {
  #chunks: Uint8Array[] = [];
  #bytes = 0;

  constructor(
    private readonly stream: zlib.Inflate | zlib.Deflate,
    private readonly limit: number,
  ) {
    stream.on("data", (chunk: Uint8Array) => {
      this.#bytes += chunk.length;
      if (this.#bytes <= limit) this.#chunks.push(chunk);
    });
    stream.on("error", () => {}); // reported by the flush below
  }

  run(input: Uint8Array): Promise<Uint8Array> {
    this.#chunks = [];
    this.#bytes = 0;
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.stream.once("error", onError);
      this.stream.write(input);
      this.stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.stream.off("error", onError);
        if (this.#bytes > this.limit) {
          return reject(new Error("a header block inflates past its limit"));
        }
        const out = new Uint8Array(this.#bytes);
        let at = 0;
        for (const c of this.#chunks) {
          out.set(c, at);
          at += c.length;
        }
        resolve(out);
      });
    });
  }

  close(): void {
    this.stream.destroy();
  }
}

/** Inflates the header blocks a peer sends (at most 16 KiB each once inflated). */
export class HeaderInflater extends ZlibContext {
  constructor() {
    super(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }), 16 * 1024);
  }
}

/** Deflates the header blocks we send. */
export class HeaderDeflater extends ZlibContext {
  constructor() {
    super(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }), 1 << 20);
  }
}
