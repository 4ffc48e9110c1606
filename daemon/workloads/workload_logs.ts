/** One chunk of a workload's output. */
export interface LogChunk {
  stream: "stdout" | "stderr";
  data: Uint8Array;
}

const DEFAULT_LIMIT = 1 << 20;

/**
 * Per-workload bounded output buffer (the oldest chunks go first once over
 * the limit) with followers for `logs -f` / attach. Followers get every chunk
 * from the moment they subscribe; a finished log ends their streams.
 */
export class WorkloadLogs {
  #logs = new Map<
    string,
    { chunks: LogChunk[]; bytes: number; done: boolean; followers: Set<(c?: LogChunk) => void> }
  >();

  constructor(private readonly limitBytes = DEFAULT_LIMIT) {}

  #log(id: string) {
    let log = this.#logs.get(id);
    if (!log) {
      log = { chunks: [], bytes: 0, done: false, followers: new Set() };
      this.#logs.set(id, log);
    }
    return log;
  }

  append(id: string, chunk: LogChunk): void {
    const log = this.#log(id);
    log.chunks.push(chunk);
    log.bytes += chunk.data.byteLength;
    while (log.bytes > this.limitBytes && log.chunks.length > 1) {
      log.bytes -= log.chunks.shift()!.data.byteLength;
    }
    for (const f of log.followers) f(chunk);
  }

  /** No more output will come (the workload exited). */
  finish(id: string): void {
    const log = this.#log(id);
    log.done = true;
    for (const f of log.followers) f(undefined);
    log.followers.clear();
  }

  /** Ends every follower (daemon shutdown); buffered output stays. */
  close(): void {
    for (const log of this.#logs.values()) {
      for (const f of log.followers) f(undefined);
      log.followers.clear();
    }
  }

  forget(id: string): void {
    this.finish(id);
    this.#logs.delete(id);
  }

  /** Everything buffered, then (if `follow`) new output until the workload ends. */
  async *read(id: string, follow: boolean, signal?: AbortSignal): AsyncGenerator<LogChunk> {
    const log = this.#log(id);
    const queue: Array<LogChunk | undefined> = [];
    let wake: (() => void) | undefined;
    const follower = (c?: LogChunk) => {
      queue.push(c);
      wake?.();
    };
    const replay = [...log.chunks];
    if (follow && !log.done) log.followers.add(follower);
    try {
      yield* replay;
      if (!follow || log.done && queue.length === 0) return;
      const onAbort = () => follower(undefined);
      signal?.addEventListener("abort", onAbort, { once: true });
      while (true) {
        if (queue.length === 0) await new Promise<void>((r) => wake = r);
        const next = queue.shift();
        if (next === undefined) return;
        yield next;
      }
    } finally {
      log.followers.delete(follower);
    }
  }
}
