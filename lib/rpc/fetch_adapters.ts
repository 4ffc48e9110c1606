import {
  type UniversalClientFn,
  universalClientRequestToFetch,
  universalClientResponseFromFetch,
  type UniversalHandler,
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
import { collect, once } from "./bodies.ts";
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
export function fetchHandler(handler: UniversalHandler): (request: Request) => Promise<Response> {
  const unary = handler.method.methodKind === "unary";
  return async (request) => {
    if (!unary) {
      return universalServerResponseToFetch(
        await handler(universalServerRequestFromFetch(request, {})),
      );
    }
    // Unary: one native read of the whole body (the stream adapter would lock it).
    const body = new Uint8Array(await request.arrayBuffer());
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
