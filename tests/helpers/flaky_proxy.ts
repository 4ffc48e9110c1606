/**
 * A registry front that breaks the first download of each blob halfway
 * through, to prove interrupted pulls resume (Range) rather than restart.
 */
import { freePort } from "./registry.ts";

export interface FlakyProxy {
  host: string;
  /** Range headers seen on blob requests. */
  ranges: string[];
  stop(): Promise<void>;
}

export function startFlakyProxy(upstream: string, minBytes = 1 << 20): FlakyProxy {
  const port = freePort();
  const broken = new Set<string>();
  const state: FlakyProxy = {
    host: `127.0.0.1:${port}`,
    ranges: [],
    stop: () => server.shutdown(),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const range = request.headers.get("range");
    if (range) state.ranges.push(range);
    const upstreamResponse = await fetch(`http://${upstream}${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
    });
    const size = Number(upstreamResponse.headers.get("content-length") ?? 0);
    const isBlob = url.pathname.includes("/blobs/sha256:");
    if (!isBlob || range || size < minBytes || broken.has(url.pathname) || !upstreamResponse.body) {
      return new Response(upstreamResponse.body, upstreamResponse);
    }
    broken.add(url.pathname);
    const reader = upstreamResponse.body.getReader();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
        sent += value.byteLength;
        if (sent >= size / 2) {
          await reader.cancel();
          controller.error(new Error("connection dropped by the flaky proxy"));
        }
      },
    });
    return new Response(body, {
      status: upstreamResponse.status,
      headers: upstreamResponse.headers,
    });
  });
  return state;
}
