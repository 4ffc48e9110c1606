import { concat } from "../bytes/mod.ts";

/** Joins a body's chunks; unary messages are one small chunk in practice (returned as is). */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.buffer instanceof ArrayBuffer) return only as Uint8Array<ArrayBuffer>;
  return concat(parts);
}

/** A body of exactly one chunk. */
export async function* once(chunk: Uint8Array): AsyncIterable<Uint8Array> {
  yield chunk;
}
