import { Readable } from "node:stream";
import { createZstdDecompress } from "node:zlib";

/** Size limit crossed while decompressing: the likely sign of a decompression bomb. */
export class DecompressionLimitError extends Error {}

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

/**
 * Decompressed bytes of `file`, stopping with DecompressionLimitError as soon
 * as more than `maxBytes` come out.
 */
export async function* decompressedFile(
  path: string,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  const head = new Uint8Array(4);
  using probe = Deno.openSync(path);
  probe.readSync(head);
  const compression = detectCompression(head);
  const file = await Deno.open(path);
  let source: AsyncIterable<Uint8Array>;
  if (compression === "gzip") {
    source = file.readable.pipeThrough(new DecompressionStream("gzip"));
  } else if (compression === "zstd") {
    source = fromNode(Readable.fromWeb(file.readable as never).pipe(createZstdDecompress()));
  } else {
    source = file.readable;
  }
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new DecompressionLimitError(
        `decompresses to more than ${maxBytes} bytes (storage limit max_unpacked_bytes)`,
      );
    }
    yield chunk;
  }
}
