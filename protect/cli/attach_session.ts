import { writeAll } from "../../lib/bytes/mod.ts";
import { WorkloadState } from "../../proto/mod.ts";
import type { ControlClient } from "./client.ts";
import { CliError, EXIT, EXIT_NOT_RUN } from "./exit_codes.ts";
import { RequestQueue } from "../../lib/async/mod.ts";

/** Ctrl-P then Ctrl-Q, as Docker: leave a tty workload running and return. */
const DETACH = [0x10, 0x11];

type AttachRequest = {
  workloadId?: string;
  stdin?: Uint8Array;
  stdinClosed?: boolean;
  replay?: boolean;
  terminalSize?: { rows: number; columns: number };
};

/**
 * Finds Ctrl-P Ctrl-Q in what the user types (across chunks). Returns the bytes to send
 * (a lone Ctrl-P is held until the next key shows it was not the start of a detach) and
 * whether the sequence was typed.
 */
export class DetachKeys {
  #held = false;

  feed(chunk: Uint8Array): { send: Uint8Array; detach: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (this.#held) {
        this.#held = false;
        if (byte === DETACH[1]) return { send: new Uint8Array(out), detach: true };
        out.push(DETACH[0]);
      }
      if (byte === DETACH[0]) this.#held = true;
      else out.push(byte);
    }
    return { send: new Uint8Array(out), detach: false };
  }
}

/**
 * Attaches this terminal to a workload: its output here, our input there (raw, with
 * our size and later resizes, when it has a tty and we are a terminal), until it exits
 * (its code becomes ours) or Ctrl-P Ctrl-Q detaches (tty only; else Ctrl-C).
 */
export async function runAttachSession(
  client: ControlClient,
  workloadId: string,
  options: {
    tty: boolean;
    stdin: boolean;
    replay: boolean;
    name: string;
    /** Starts the workload once the daemon says we are attached (launch, start -a). */
    start?: () => Promise<void>;
  },
): Promise<never> {
  const raw = options.tty && Deno.stdin.isTerminal();
  const requests = new RequestQueue<AttachRequest>((r) => r.stdinClosed === true);
  const first: AttachRequest = { workloadId, replay: options.replay };
  const sized = options.tty && Deno.stdout.isTerminal();
  if (sized) first.terminalSize = Deno.consoleSize();
  requests.push(first);
  const resized = () => requests.push({ terminalSize: Deno.consoleSize() });
  if (sized) Deno.addSignalListener("SIGWINCH", resized);
  let detached = false;
  const abort = new AbortController();
  const detachKeys = new DetachKeys();
  if (options.stdin) {
    (async () => {
      for await (const chunk of Deno.stdin.readable) {
        const { send, detach } = raw ? detachKeys.feed(chunk) : { send: chunk, detach: false };
        if (send.length) requests.push({ stdin: send });
        if (detach) {
          detached = true;
          abort.abort(); // ends the attach now; the workload keeps running
          return;
        }
      }
      requests.push({ stdinClosed: true });
    })();
  }
  if (raw) Deno.stdin.setRaw(true);
  let code: number | undefined;
  let failure = "";
  let reason = "";
  let starting = options.start;
  try {
    const stream = client.attachWorkloadConsole(requests, { signal: abort.signal });
    for await (const r of stream) {
      if (starting) { // the first answer says we are attached
        const start = starting;
        starting = undefined;
        await start();
      }
      if (r.stdout.length) await writeAll(Deno.stdout, r.stdout);
      if (r.stderr.length) await writeAll(Deno.stderr, r.stderr);
      if (r.exited) [code, failure, reason] = [r.exitCode, r.error, r.reason];
    }
  } catch (e) {
    if (!detached) throw e;
  } finally {
    abort.abort();
    if (sized) Deno.removeSignalListener("SIGWINCH", resized);
    if (raw) Deno.stdin.setRaw(false);
  }
  if (detached) {
    Deno.stderr.writeSync(new TextEncoder().encode(
      `\r\nprotect: detached from ${options.name}; it keeps running (workload attach ${options.name})\n`,
    ));
    Deno.exit(0);
  }
  if (code === undefined) {
    // The stream ended without an exit: the workload is gone or did not end (e.g. destroyed).
    const { workload } = await client.getWorkload({ workloadId }).catch(() => ({
      workload: undefined,
    }));
    const state = WorkloadState[workload?.status?.state ?? 0];
    throw new CliError(
      `workload ${options.name} ended without an exit code (${state})`,
      EXIT.failed,
    );
  }
  if (failure) {
    // Docker's codes: 127 not found, 126 not executable, else 125 (never ran).
    const exit = code === 126 || code === 127 ? code : EXIT_NOT_RUN;
    throw new CliError(`workload ${options.name} FAILED: ${failure}`, exit);
  }
  if (reason === "OOMKilled") {
    throw new CliError(
      `workload ${options.name} was killed by the OOM killer (its memory limit)`,
      code,
    );
  }
  if (code !== 0) throw new CliError("", code);
  Deno.exit(0);
}
