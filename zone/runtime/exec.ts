import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  ExecEventSchema,
  ExecInputSchema,
  type ExecStart,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmStream } from "../../lib/idm/mod.ts";
import type { CommandProblem } from "./find_command.ts";

/** Quotes one word for sh -c (script(1) runs its command through the shell). */
const shellQuote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

/** A command line to run: program and arguments. */
export type CommandLine = [string, string[]];

/** How many times (100 ms apart) a resize looks for the command's terminal. */
const RESIZE_TRIES = 30;

/** Terminal sizes outside this range are ignored (a hostile or confused host). */
const MAX_TERMINAL = 1000;

/**
 * With a tty, the command runs under script(1), which gives it a terminal
 * over our pipes (foreground `runc exec --tty` relays the container's pty to
 * a terminal of its own; a zone shell wants one directly). The client's size
 * is set on that terminal first, so full-screen programs start the right size.
 */
export function underTerminal(
  [command, args]: CommandLine,
  size: { rows: number; columns: number },
): CommandLine {
  const sized = validSize(size.rows, size.columns);
  const line = [command, ...args].map(shellQuote).join(" ");
  const script = sized
    ? `stty rows ${size.rows} cols ${size.columns} 2>/dev/null; exec ${line}`
    : line;
  return ["script", ["-q", "-f", "-e", "-c", script, "/dev/null"]];
}

const validSize = (rows: number, columns: number) =>
  rows > 0 && rows <= MAX_TERMINAL && columns > 0 && columns <= MAX_TERMINAL;

/**
 * The terminal of `scriptPid`'s child, from `ps -o pid,ppid,tty` output: procps names it
 * `pts/N`, busybox (in Xen zones) by device number `136,N` (Unix98 pty slaves have majors
 * 136-143, minor N of major 136 + k being pts number k * 256 + N).
 */
export function childTerminal(psOutput: string, scriptPid: number): string | undefined {
  for (const line of psOutput.split("\n").slice(1)) {
    const [, ppid, tty = ""] = line.trim().split(/\s+/);
    if (Number(ppid) !== scriptPid) continue;
    if (/^pts\/\d+$/.test(tty)) return `/dev/${tty}`;
    const device = /^(13[6-9]|14[0-3]),(\d{1,3})$/.exec(tty);
    if (device) return `/dev/pts/${(Number(device[1]) - 136) * 256 + Number(device[2])}`;
  }
  return undefined;
}

/**
 * Resizes the terminal script(1) made for the command. The kernel then sends
 * SIGWINCH to its foreground job: the shell, or `runc exec --tty`, which
 * resizes the workload's own terminal to match.
 */
export async function resizeTerminal(
  scriptPid: number,
  rows: number,
  columns: number,
): Promise<void> {
  if (!validSize(rows, columns)) return;
  // procps needs -e for processes on other terminals; busybox's ps lists all and refuses -e.
  const list = (args: string[]) =>
    new Deno.Command("ps", { args, stdout: "piped", stderr: "null" }).output();
  // A resize may come before script(1) has started its command: look again for a while.
  let tty: string | undefined;
  for (let tries = 0; !tty && tries < RESIZE_TRIES; tries++) {
    if (tries > 0) await new Promise((r) => setTimeout(r, 100));
    let ps = await list(["-e", "-o", "pid,ppid,tty"]);
    if (!ps.success) ps = await list(["-o", "pid,ppid,tty"]);
    tty = childTerminal(new TextDecoder().decode(ps.stdout), scriptPid);
  }
  if (!tty) return;
  await new Deno.Command("stty", {
    args: ["-F", tty, "rows", String(rows), "cols", String(columns)],
    stdout: "null",
    stderr: "null",
  }).output();
}

/** `runc exec` (or crun's) into a running workload, joining its namespaces. */
export function workloadExecCommand(
  runtime: string,
  stateDir: string,
  start: ExecStart,
): CommandLine {
  const runcArgs = ["--root", stateDir, "exec", ...(start.tty ? ["--tty"] : [])];
  for (const e of start.env) runcArgs.push("--env", e);
  if (start.workingDirectory) runcArgs.push("--cwd", start.workingDirectory);
  runcArgs.push(start.workloadId, ...start.args);
  return start.tty ? underTerminal([runtime, runcArgs], start) : [runtime, runcArgs];
}

/** A command in the zone itself, outside any workload (`protect zone exec`). */
export function zoneExecCommand(start: ExecStart): CommandLine {
  const [command, ...args] = start.args;
  return start.tty ? underTerminal([command, args], start) : [command, args];
}

/**
 * Runs `command` and connects it to an IDM stream: stdin from the host, output
 * and the exit code back. (runc's --console-socket is not an option: Deno
 * cannot receive file descriptors.)
 */
export async function runExec(
  commandFor: (start: ExecStart) => CommandLine,
  start: ExecStart,
  stream: IdmStream,
  /** Found before running: a command that is missing (127) or not executable (126). */
  problem?: CommandProblem,
): Promise<void> {
  const send = (event: MessageInitShape<typeof ExecEventSchema>) =>
    stream.write(toBinary(ExecEventSchema, create(ExecEventSchema, event)));
  if (start.args.length === 0) {
    await send({ exited: true, exitCode: 125, error: "exec needs a command" });
    return await stream.close();
  }
  if (problem) {
    await send({ exited: true, exitCode: problem.code, error: problem.message });
    return await stream.close();
  }
  const [command, args] = commandFor(start);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    })
      .spawn();
  } catch (e) {
    // A command the zone does not have is 127, as in a shell; anything else never ran (125).
    const missing = e instanceof Deno.errors.NotFound;
    const error = missing
      ? `${command}: command not found`
      : `cannot start ${command}: ${(e as Error).message}`;
    await send({ exited: true, exitCode: missing ? 127 : 125, error });
    return await stream.close();
  }
  const stdin = child.stdin.getWriter();
  (async () => {
    for await (const data of stream) {
      const input = fromBinary(ExecInputSchema, data);
      // Applied before later input, so what the client types next sees the new size.
      if (start.tty && (input.rows || input.columns)) {
        await resizeTerminal(child.pid, input.rows, input.columns).catch(() => {});
      }
      if (input.stdin.length) await stdin.write(input.stdin);
      if (input.stdinClosed) break;
    }
    await stdin.close();
  })().catch(() => stdin.close().catch(() => {}));
  const pump = async (from: ReadableStream<Uint8Array>, field: "stdout" | "stderr") => {
    for await (const chunk of from) await send({ [field]: chunk });
  };
  await Promise.all([pump(child.stdout, "stdout"), pump(child.stderr, "stderr")]);
  const status = await child.status;
  await send({ exited: true, exitCode: status.code });
  await stream.close();
}
