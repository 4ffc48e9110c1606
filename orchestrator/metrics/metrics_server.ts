import type { Logger } from "../../lib/log/mod.ts";
import { type MetricFamily, PROMETHEUS_CONTENT_TYPE, prometheusText } from "./prometheus_text.ts";

export interface MetricsServer {
  close(): Promise<void>;
}

/**
 * The HTTP handler of the metrics endpoint: GET /metrics is the Prometheus text format,
 * /metrics?format=json the same families as JSON (what `protect host metrics -o json` shows).
 */
export function metricsHandler(
  collect: () => Promise<MetricFamily[]>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== "/metrics") {
      return new Response("not found: the figures are at /metrics (?format=json for JSON)\n", {
        status: 404,
      });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("only GET\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const format = url.searchParams.get("format") ?? "prometheus";
    if (format !== "prometheus" && format !== "json") {
      return new Response(`format: "${format}" is not prometheus or json\n`, { status: 400 });
    }
    const families = await collect();
    return format === "json"
      ? Response.json({ families })
      : new Response(prometheusText(families), {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
      });
  };
}

/** Serves `handler` on each listener (a Unix socket path, a loopback TCP address). */
export async function serveMetrics(
  listeners: Array<{ path: string } | { hostname: string; port: number }>,
  handler: (request: Request) => Promise<Response>,
  log: Logger,
): Promise<MetricsServer> {
  const stop = new AbortController();
  const servers = await Promise.all(listeners.map(async (listener) => {
    const { promise: listening, resolve } = Promise.withResolvers<void>();
    const server = Deno.serve({
      ...listener,
      signal: stop.signal,
      onListen: () => resolve(),
      onError: (error) => {
        log.error("metrics request failed", { error });
        return new Response("internal error\n", { status: 500 });
      },
    }, handler);
    await listening;
    return server;
  }));
  return {
    close: async () => {
      stop.abort();
      await Promise.all(servers.map((s) => s.finished));
    },
  };
}
