import {
  type UniversalClientFn,
  universalClientRequestToFetch,
  universalClientResponseFromFetch,
  type UniversalHandler,
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";

/** Joins a body's chunks; unary messages are one small chunk in practice. */
async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.byteLength;
  }
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.buffer instanceof ArrayBuffer) return only as Uint8Array<ArrayBuffer>;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}

/** A body of exactly one chunk. */
async function* once(chunk: Uint8Array): AsyncIterable<Uint8Array> {
  yield chunk;
}

/** Connect unary requests use `application/proto|json`; streams `application/connect+…`. */
const isUnaryContentType = (contentType: string | null) =>
  contentType !== null && /^application\/(proto|json)\b/.test(contentType);

/**
 * Universal client over Deno's fetch. Unary bodies are sent whole with a
 * Content-Length (a streamed body costs ~5x more per call in Deno's fetch);
 * streaming RPCs keep a streamed body, so client streams and bidi work.
 */
export function fetchClient(
  fetchFn: typeof fetch,
  /** For streaming RPCs, when they need a different connection (HTTP/2). */
  streamFetchFn: typeof fetch = fetchFn,
): UniversalClientFn {
  return async (request) => {
    if (request.body === undefined || !isUnaryContentType(request.header.get("content-type"))) {
      return universalClientResponseFromFetch(
        await streamFetchFn(universalClientRequestToFetch(request)),
      );
    }
    const response = await fetchFn(request.url, {
      method: request.method,
      headers: request.header,
      signal: request.signal,
      body: await collect(request.body),
    });
    // One native read of the whole (small) unary response beats a stream reader.
    return {
      status: response.status,
      header: response.headers,
      body: once(new Uint8Array(await response.arrayBuffer())),
      trailer: new Headers(),
    };
  };
}

/**
 * A Deno.serve handler for one RPC. Unary responses are sent whole (fixed
 * length, no chunked stream); streaming responses stream.
 */
export function fetchHandler(handler: UniversalHandler): (request: Request) => Promise<Response> {
  const unary = handler.method.methodKind === "unary";
  return async (request) => {
    // Unary: one native read of the whole body (the stream adapter would lock it).
    const response = await handler(
      unary
        ? {
          httpVersion: "1.1",
          method: request.method,
          url: request.url,
          header: request.headers,
          body: once(new Uint8Array(await request.arrayBuffer())),
          signal: request.signal,
        }
        : universalServerRequestFromFetch(request, {}),
    );
    if (!unary || response.body === undefined) return universalServerResponseToFetch(response);
    return new Response(await collect(response.body), {
      status: response.status,
      headers: response.header,
    });
  };
}
