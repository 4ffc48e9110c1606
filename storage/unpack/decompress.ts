import { InvalidContentError } from "../../lib/errors/mod.ts";
import { Readable } from "node:stream";
import { createZstdDecompress } from "node:zlib";

/** Size limit crossed while decompressing: the likely sign of a decompression bomb. */
export class DecompressionLimitError extends InvalidContentError {}

export type Compression = "gzip" | "zstd" | "none";

/** Detects the compression from the first bytes (media types can lie). */
export function detectCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

async function* fromNode(stream: NodeJS.ReadableStream): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) yield chunk as Uint8Array;
}

/** The first chunk(s) of a stream, re-yielded after peeking at them. */
async function peek(
  source: AsyncIterable<Uint8Array>,
  n: number,
): Promise<{ head: Uint8Array; rest: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let length = 0;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) break;
    seen.push(next.value);
    length += next.value.byteLength;
  }
  const head = new Uint8Array(Math.min(n, length));
  let at = 0;
  for (const chunk of seen) {
    if (at >= head.length) break;
    const take = chunk.subarray(0, head.length - at);
    head.set(take, at);
    at += take.length;
  }
  return {
    head,
    rest: (async function* () {
      yield* seen;
      while (true) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })(),
  };
}

const toStream = (source: AsyncIterable<Uint8Array>) =>
  ReadableStream.from(source) as ReadableStream<Uint8Array<ArrayBuffer>>;

/**
 * Decompressed bytes of `source` (gzip, zstd or plain, detected from the
 * bytes), stopping with DecompressionLimitError as soon as more than
 * `maxBytes` come out.
 */
export async function* decompressed(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  const { head, rest } = await peek(source, 4);
  const compression = detectCompression(head);
  let output: AsyncIterable<Uint8Array>;
  if (compression === "gzip") {
    output = toStream(rest).pipeThrough(new DecompressionStream("gzip"));
  } else if (compression === "zstd") {
    output = fromNode(Readable.from(rest).pipe(createZstdDecompress()));
  } else {
    output = rest;
  }
  let total = 0;
  for await (const chunk of output) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new DecompressionLimitError(
        `decompresses to more than ${maxBytes} bytes (storage limit max_unpacked_bytes)`,
      );
    }
    yield chunk;
  }
}

/** Decompressed bytes of a file; see `decompressed`. */
export async function* decompressedFile(
  path: string,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  const file = await Deno.open(path);
  yield* decompressed(file.readable, maxBytes);
}
