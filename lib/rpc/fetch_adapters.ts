import {
  type UniversalClientFn,
  universalClientRequestToFetch,
  universalClientResponseFromFetch,
  type UniversalHandler,
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
import { collect, once } from "./bodies.ts";
import { concat } from "../bytes/mod.ts";
import { connectErrorResponse, unaryBodyProblem } from "./unary_body_check.ts";

/**
 * Universal client over Deno's fetch, for streaming RPCs: the request body
 * streams, so client streams and bidi work (unary calls go over
 * http1_unary.ts, which is cheaper to start).
 */
export function fetchStreamClient(fetchFn: typeof fetch): UniversalClientFn {
  return async (request) =>
    universalClientResponseFromFetch(await fetchFn(universalClientRequestToFetch(request)));
}

/**
 * A Deno.serve handler for one RPC. Unary responses are sent whole (fixed
 * length, no chunked stream); streaming responses stream.
 */
export function fetchHandler(
  handler: UniversalHandler,
  /** A unary body over this is refused before it is read whole (streams: the handler's limit). */
  readMaxBytes = 4 * 1024 * 1024,
): (request: Request) => Promise<Response> {
  const unary = handler.method.methodKind === "unary";
  const tooBig = (bytes: number | string) =>
    connectErrorResponse(
      413,
      "resource_exhausted",
      `the request body (${bytes} bytes) is over the ${readMaxBytes}-byte limit`,
    );
  return async (request) => {
    if (!unary) {
      return universalServerResponseToFetch(
        await handler(universalServerRequestFromFetch(request, {})),
      );
    }
    // Unary: the whole body at once (the stream adapter would lock it), never past the limit.
    const declared = Number(request.headers.get("content-length") ?? 0);
    if (declared > readMaxBytes) return tooBig(declared);
    const body = await readAtMost(request, readMaxBytes);
    if (!body) return tooBig("more than that");
    const problem = unaryBodyProblem(
      handler.method,
      request.headers.get("content-type") ?? "",
      body,
    );
    if (problem) return connectErrorResponse(400, "invalid_argument", problem);
    const response = await handler({
      httpVersion: "1.1",
      method: request.method,
      url: request.url,
      header: request.headers,
      body: once(body),
      signal: request.signal,
    });
    if (response.body === undefined) return universalServerResponseToFetch(response);
    return new Response(await collect(response.body), {
      status: response.status,
      headers: response.header,
    });
  };
}

/** The request's body, or undefined as soon as it passes `max` bytes (the rest is not read). */
async function readAtMost(request: Request, max: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.length;
    if (size > max) return undefined; // leaving the loop cancels the rest of the body
    parts.push(chunk);
  }
  return concat(parts);
}
