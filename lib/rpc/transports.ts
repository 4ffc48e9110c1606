import type { Transport } from "@connectrpc/connect";
import { createUniversalHandlerClient } from "@connectrpc/connect/protocol";
import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-connect";
import { fetchClient } from "./fetch_adapters.ts";
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

/**
 * A client transport to a Unix socket. Unlike connect-web's transport it
 * streams request bodies, so client-streaming and bidi RPCs work too.
 */
export function createUnixTransport(path: string): UnixTransport {
  const via = (client: Deno.HttpClient) =>
    ((input: RequestInfo | URL, init?: RequestInit) =>
      fetch(input, { ...init, client })) as typeof fetch;
  // Unary calls over HTTP/1.1 (cheapest per call); streaming calls over
  // HTTP/2 with prior knowledge, because over HTTP/1.1 Deno's fetch stalls a
  // streamed request body once responses start flowing (bidi: exec).
  const unary = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  let streaming: Deno.HttpClient | undefined;
  const streamingClient = () =>
    streaming ??= Deno.createHttpClient({
      proxy: { transport: "unix", path },
      http2: true,
      http1: false,
    });
  const transport = connectTransport(
    fetchClient(
      via(unary),
      ((input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, { ...init, client: streamingClient() })) as typeof fetch,
    ),
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
