import { join } from "node:path";
import { concat } from "../../lib/bytes/mod.ts";

/** One chunk of a workload's output. */
export interface LogChunk {
  stream: "stdout" | "stderr";
  data: Uint8Array;
}

/** Each workload's log is at most two files of this size (the current one and `.1`). */
export const DEFAULT_LOG_FILE_BYTES = 4 * 1024 * 1024;

const encoder = new TextEncoder();
const NEWLINE = 10;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Workload output on disk, one file per workload under `dir`, in the CRI log format
 * (`<RFC 3339 time> <stdout|stderr> <F|P> <line>`, P for a line the workload has not
 * finished), so it survives a daemon restart, an operator can read it, and bytes come
 * back exactly as written. Bounded: past `maxFileBytes` the file rotates to `.1`,
 * replacing the older one. Followers (`logs -f`, attach) get every chunk from the
 * moment they subscribe; a finished log ends their streams.
 */
export class WorkloadLogs {
  #open = new Map<string, { file: Deno.FsFile; bytes: number }>();
  #followers = new Map<string, Set<(c?: LogChunk) => void>>();
  #done = new Set<string>();

  constructor(readonly dir: string, private readonly maxFileBytes = DEFAULT_LOG_FILE_BYTES) {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o750 });
  }

  /** The workload's current log file. */
  path(id: string): string {
    if (!ID.test(id)) throw new Error(`not a workload ID: ${id.slice(0, 80)}`);
    return join(this.dir, `${id}.log`);
  }

  append(id: string, chunk: LogChunk): void {
    if (chunk.data.length === 0) return;
    this.#write(id, encodeRecords(chunk, new Date()));
    for (const f of this.#followers.get(id) ?? []) f(chunk);
  }

  #write(id: string, record: Uint8Array): void {
    let log = this.#open.get(id);
    if (log && log.bytes > 0 && log.bytes + record.length > this.maxFileBytes) {
      log.file.close();
      Deno.renameSync(this.path(id), `${this.path(id)}.1`);
      this.#open.delete(id);
      log = undefined;
    }
    if (!log) {
      const file = Deno.openSync(this.path(id), { append: true, create: true, mode: 0o640 });
      log = { file, bytes: file.statSync().size };
      this.#open.set(id, log);
    }
    let written = 0;
    while (written < record.length) written += log.file.writeSync(record.subarray(written));
    log.bytes += record.length;
  }

  /** No more output will come (the workload ended): followers end, the file is closed. */
  finish(id: string): void {
    this.#done.add(id);
    this.#open.get(id)?.file.close();
    this.#open.delete(id);
    for (const f of this.#followers.get(id) ?? []) f(undefined);
    this.#followers.delete(id);
  }

  /** Ends every follower and closes every file (daemon shutdown); the files stay. */
  close(): void {
    for (const id of [...this.#open.keys(), ...this.#followers.keys()]) {
      this.#open.get(id)?.file.close();
      for (const f of this.#followers.get(id) ?? []) f(undefined);
    }
    this.#open.clear();
    this.#followers.clear();
  }

  /** The workload is gone: its files too. */
  forget(id: string): void {
    this.finish(id);
    this.#done.delete(id);
    for (const path of [this.path(id), `${this.path(id)}.1`]) {
      try {
        Deno.removeSync(path);
      } catch { /* never written */ }
    }
  }

  /**
   * Everything kept on disk, then (if `follow`) new output until the workload ends.
   * The caller passes follow=false for a workload that has ended (after a restart this
   * class cannot know).
   */
  read(
    id: string,
    follow: boolean,
    signal?: AbortSignal,
    /** False: only what comes from now on (an attach to a running workload). */
    replayKept = true,
  ): AsyncIterable<LogChunk> {
    const queue: Array<LogChunk | undefined> = [];
    let wake: (() => void) | undefined;
    const follower = (c?: LogChunk) => {
      queue.push(c);
      wake?.();
    };
    const live = follow && !this.#done.has(id);
    // Subscribed and the files read here, before the first chunk is asked for (so a
    // caller can start the workload once this returns), and in one turn: appends are
    // synchronous, so no chunk is both in the files and in the queue, and none is missed.
    if (live) {
      const set = this.#followers.get(id) ?? new Set();
      set.add(follower);
      this.#followers.set(id, set);
      signal?.addEventListener("abort", () => follower(undefined), { once: true });
    }
    const replay = replayKept
      ? [`${this.path(id)}.1`, this.path(id)].flatMap((p) => decodeRecords(readIfAny(p)))
      : [];
    const followers = this.#followers;
    return (async function* () {
      try {
        yield* replay;
        if (!live) return;
        while (true) {
          if (queue.length === 0) await new Promise<void>((r) => wake = r);
          const next = queue.shift();
          if (next === undefined) return;
          yield next;
        }
      } finally {
        followers.get(id)?.delete(follower);
      }
    })();
  }
}

function readIfAny(path: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch {
    return new Uint8Array();
  }
}

/** One record per line of the chunk: "F" for a finished line, "P" for the unfinished tail. */
export function encodeRecords(chunk: LogChunk, at: Date): Uint8Array {
  const head = `${at.toISOString()} ${chunk.stream} `;
  const parts: Uint8Array[] = [];
  let start = 0;
  while (start < chunk.data.length) {
    const newline = chunk.data.indexOf(NEWLINE, start);
    const end = newline < 0 ? chunk.data.length : newline;
    parts.push(encoder.encode(head + (newline < 0 ? "P " : "F ")), chunk.data.subarray(start, end));
    parts.push(LINE_END);
    start = end + 1;
  }
  return concat(parts);
}

/** The chunks back from records, byte for byte; a malformed line is skipped. */
export function decodeRecords(bytes: Uint8Array): LogChunk[] {
  // Consecutive records of one stream come back as one chunk (fewer, larger messages).
  const runs: Array<{ stream: LogChunk["stream"]; parts: Uint8Array[] }> = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length; // a record cut by a crash: keep what is there
    const line = bytes.subarray(start, end);
    start = end + 1;
    // "<time> <stream> <F|P> <content>": the content starts after the third space.
    let field = 0, at = 0;
    while (field < 3 && at < line.length) if (line[at++] === 32) field++;
    if (field < 3) continue;
    const header = new TextDecoder().decode(line.subarray(0, at));
    const [, stream, tag] = header.split(" ");
    if ((stream !== "stdout" && stream !== "stderr") || (tag !== "F" && tag !== "P")) continue;
    if (runs.at(-1)?.stream !== stream) runs.push({ stream, parts: [] });
    const parts = runs.at(-1)!.parts;
    parts.push(line.subarray(at));
    if (tag === "F") parts.push(LINE_END);
  }
  return runs.map((r) => ({ stream: r.stream, data: concat(r.parts) }));
}

const LINE_END = new Uint8Array([NEWLINE]);
