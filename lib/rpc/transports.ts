import type { Transport } from "@connectrpc/connect";
import { createUniversalHandlerClient } from "@connectrpc/connect/protocol";
import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-connect";
import { fetchStreamClient } from "./fetch_adapters.ts";
import { http1UnaryClient } from "./http1_unary.ts";
import { buildHandlers, type RouterOptions, type Routes } from "./router.ts";

/** Connect protocol with binary protobuf over any universal HTTP client. */
function connectTransport(httpClient: UniversalClientFn): Transport {
  return createTransport({
    httpClient,
    // Host part is ignored on a Unix socket; the path selects the RPC.
    baseUrl: "http://protect.local",
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: 1024,
    readMaxBytes: 64 * 1024 * 1024,
    writeMaxBytes: 64 * 1024 * 1024,
  });
}

export interface UnixTransport extends Transport {
  /** Releases the HTTP client's pooled connections. */
  close(): void;
}

/** Connect unary requests use `application/proto|json`; streams `application/connect+…`. */
const isUnary = (request: { header: Headers }) =>
  /^application\/(proto|json)\b/.test(request.header.get("content-type") ?? "");

/**
 * A client transport to a Unix socket. Unary calls go as plain HTTP/1.1 over
 * kept connections (http1_unary.ts: no fetch machinery to start, which a CLI
 * call pays for). Streaming calls go through fetch over HTTP/2 with prior
 * knowledge: over HTTP/1.1 Deno's fetch stalls a streamed request body once
 * responses start flowing (bidi: exec). Unlike connect-web's transport, request
 * bodies stream, so client-streaming and bidi RPCs work too.
 */
export function createUnixTransport(path: string): UnixTransport {
  const unary = http1UnaryClient(path);
  let streaming: Deno.HttpClient | undefined;
  const streams = fetchStreamClient(
    ((input: RequestInfo | URL, init?: RequestInit) => {
      streaming ??= Deno.createHttpClient({
        proxy: { transport: "unix", path },
        http2: true,
        http1: false,
      });
      return fetch(input, { ...init, client: streaming });
    }) as typeof fetch,
  );
  const transport = connectTransport((request) =>
    isUnary(request) ? unary(request) : streams(request)
  );
  return Object.assign(transport, {
    close: () => {
      unary.close();
      streaming?.close();
    },
  });
}

/** A transport straight into handlers, no socket: for tests and as the bench reference. */
export function createInMemoryTransport(routes: Routes, options: RouterOptions = {}): Transport {
  return connectTransport(
    createUniversalHandlerClient([...buildHandlers(routes, options).values()]),
  );
}
