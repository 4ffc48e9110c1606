import type { Interceptor } from "@connectrpc/connect";

/** Latency bucket bounds in seconds: 1 ms to 30 s, Prometheus' usual spread plus the slow end. */
export const LATENCY_BOUNDS_SECONDS: readonly number[] = [
  0.001,
  0.005,
  0.01,
  0.05,
  0.1,
  0.5,
  1,
  5,
  30,
];

/** One method's figures; `buckets[i]` counts calls at or under bound i (not cumulative). */
export interface MethodFigures {
  method: string;
  calls: number;
  errors: number;
  buckets: number[];
  sumSeconds: number;
}

/**
 * Calls, errors and latency per RPC method since start, kept in memory (a fixed number of
 * counters per method; methods are the service's, so the map is bounded).
 */
export class RpcMetrics {
  readonly #methods = new Map<string, MethodFigures>();

  /** Records one call that took `seconds` and ended well (`ok`) or in an error. */
  observe(method: string, seconds: number, ok: boolean): void {
    let m = this.#methods.get(method);
    if (!m) {
      m = {
        method,
        calls: 0,
        errors: 0,
        buckets: LATENCY_BOUNDS_SECONDS.map(() => 0),
        sumSeconds: 0,
      };
      this.#methods.set(method, m);
    }
    m.calls++;
    if (!ok) m.errors++;
    m.sumSeconds += seconds;
    const i = LATENCY_BOUNDS_SECONDS.findIndex((bound) => seconds <= bound);
    if (i >= 0) m.buckets[i]++;
  }

  /** Every method seen, sorted by name, with cumulative bucket counts (Prometheus' `le`). */
  snapshot(): Array<MethodFigures & { cumulative: number[] }> {
    return [...this.#methods.values()].sort((a, b) => a.method.localeCompare(b.method)).map((m) => {
      let running = 0;
      return { ...m, buckets: [...m.buckets], cumulative: m.buckets.map((n) => running += n) };
    });
  }

  /**
   * An interceptor that times each call: to the response for unary calls, to the response's
   * start for streams (a watch stream may stay open for hours).
   */
  interceptor(): Interceptor {
    return (next) => async (request) => {
      const method = `${request.service.typeName}/${request.method.name}`;
      const started = performance.now();
      try {
        const response = await next(request);
        this.observe(method, (performance.now() - started) / 1000, true);
        return response;
      } catch (e) {
        this.observe(method, (performance.now() - started) / 1000, false);
        throw e;
      }
    };
  }
}
