import type { WatchEventsResponse } from "../../proto/mod.ts";
import { ResourceExhaustedError } from "../../lib/errors/mod.ts";

/** Events a watcher may have queued before it is cut off as too slow. */
const DEFAULT_QUEUE_LIMIT = 1024;

/**
 * Fans zone/workload changes out to watchers. Each watcher has a bounded
 * queue; one that falls behind is ended with an error rather than silently
 * losing events or growing memory without bound.
 */
export class EventBus {
  #watchers = new Set<Watcher>();
  constructor(private readonly queueLimit = DEFAULT_QUEUE_LIMIT) {}

  publish(event: WatchEventsResponse): void {
    for (const w of this.#watchers) w.push(event);
  }

  /** Ends every watch stream (daemon shutdown). */
  close(): void {
    for (const w of this.#watchers) w.end();
  }

  get watcherCount(): number {
    return this.#watchers.size;
  }

  /**
   * Events published from now on, until `signal` aborts. The watcher is
   * registered at call time, not on first read, so nothing published between
   * the call and the first read is missed.
   */
  watch(signal?: AbortSignal): AsyncGenerator<WatchEventsResponse> {
    const watcher = new Watcher(this.queueLimit);
    this.#watchers.add(watcher);
    const onAbort = () => watcher.end();
    signal?.addEventListener("abort", onAbort, { once: true });
    const watchers = this.#watchers;
    return (async function* () {
      try {
        while (true) {
          const next = await watcher.next();
          if (next === undefined) return;
          yield next;
        }
      } finally {
        signal?.removeEventListener("abort", onAbort);
        watchers.delete(watcher);
      }
    })();
  }
}

class Watcher {
  #queue: WatchEventsResponse[] = [];
  #wake?: () => void;
  #ended = false;
  #overflowed = false;
  constructor(private readonly limit: number) {}

  push(event: WatchEventsResponse): void {
    if (this.#ended) return;
    if (this.#queue.length >= this.limit) {
      this.#overflowed = true;
      this.#ended = true;
    } else {
      this.#queue.push(event);
    }
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async next(): Promise<WatchEventsResponse | undefined> {
    while (this.#queue.length === 0 && !this.#ended) {
      await new Promise<void>((r) => this.#wake = r);
      this.#wake = undefined;
    }
    if (this.#overflowed) {
      throw new ResourceExhaustedError(
        `watcher fell more than ${this.limit} events behind and was disconnected; watch again`,
      );
    }
    return this.#queue.shift();
  }
}
