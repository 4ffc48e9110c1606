import { dirname } from "node:path";
import type { Client } from "@connectrpc/connect";
import type { ControlService } from "../../proto/mod.ts";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { ContainerRecord, CriStore } from "../state/cri_store.ts";
import { CriLogLines } from "./cri_log_lines.ts";

/** How often the count of logged bytes is saved while output flows. */
const SAVE_EVERY_MS = 1000;
/** A follow that broke (the daemon restarted) is tried again after this. */
const RETRY_MS = 1000;

interface Follower {
  abort: AbortController;
  file?: Deno.FsFile;
  path: string;
  done?: Promise<void>;
}

/**
 * Writes each container's output to the file kubelet names (`log_path`), in the CRI
 * format, from the daemon's log of its workload. The count of bytes written is kept, so a
 * restarted protect-cri resumes where it was instead of writing lines twice.
 */
export class ContainerLogs {
  #followers = new Map<string, Follower>();

  constructor(
    private readonly deps: {
      daemon: Client<typeof ControlService>;
      store: CriStore;
      log: Logger;
    },
  ) {}

  /** Follows the container's output into its log file until it ends (idempotent). */
  follow(c: ContainerRecord): void {
    if (c.logPath === "" || c.logDone || this.#followers.has(c.id)) return;
    const follower: Follower = { abort: new AbortController(), path: c.logPath };
    this.#followers.set(c.id, follower);
    follower.done = this.#run(c, follower).catch((error) =>
      this.deps.log.error("writing a container log failed", { container: c.id, error })
    ).finally(() => {
      follower.file?.close();
      if (this.#followers.get(c.id) === follower) this.#followers.delete(c.id);
    });
  }

  /** After kubelet rotated the file: later lines go to a new file at the same path. */
  reopen(containerId: string): void {
    const f = this.#followers.get(containerId);
    if (!f) throw new FailedPreconditionError(`container ${containerId} is not running`);
    const old = f.file;
    f.file = this.#open(f.path);
    old?.close();
  }

  stop(containerId: string): void {
    this.#followers.get(containerId)?.abort.abort();
  }

  /** Stops following; resolves once every count of written bytes is saved. */
  async close(): Promise<void> {
    const followers = [...this.#followers.values()];
    for (const f of followers) f.abort.abort();
    await Promise.all(followers.map((f) => f.done));
  }

  #open(path: string): Deno.FsFile {
    Deno.mkdirSync(dirname(path), { recursive: true });
    return Deno.openSync(path, { append: true, create: true, mode: 0o640 });
  }

  async #run(c: ContainerRecord, f: Follower): Promise<void> {
    f.file = this.#open(c.logPath);
    const lines = { stdout: new CriLogLines("stdout"), stderr: new CriLogLines("stderr") };
    let logged = c.loggedBytes;
    let seen = 0;
    let saved = Date.now();
    // What is in the file: an open line held back is not, and a restart replays it.
    const written = () => logged - lines.stdout.heldBytes - lines.stderr.heldBytes;
    const write = (parts: Uint8Array[]) => {
      for (const p of parts) f.file!.writeSync(p);
    };
    while (!f.abort.signal.aborted) {
      seen = 0; // each attempt replays the whole log: skip what is written already
      try {
        const stream = this.deps.daemon.readWorkloadLogs(
          { workloadId: c.workloadId, follow: true },
          { signal: f.abort.signal },
        );
        for await (const m of stream) {
          for (const name of ["stdout", "stderr"] as const) {
            let data = m[name];
            if (data.length === 0) continue;
            const skip = Math.min(Math.max(logged - seen, 0), data.length);
            seen += data.length;
            data = data.subarray(skip);
            if (data.length === 0) continue;
            write(lines[name].push(data));
            logged += data.length;
          }
          if (Date.now() - saved > SAVE_EVERY_MS) {
            this.deps.store.setLogged(c.id, written(), false);
            saved = Date.now();
          }
        }
        write([...lines.stdout.end(), ...lines.stderr.end()]);
        this.deps.store.setLogged(c.id, logged, true);
        return;
      } catch (error) {
        if (f.abort.signal.aborted) break;
        this.deps.store.setLogged(c.id, written(), false);
        this.deps.log.warn("following a container's output broke; trying again", {
          container: c.id,
          error,
        });
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    this.deps.store.setLogged(c.id, written(), false);
  }
}
