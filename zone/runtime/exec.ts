import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  ExecEventSchema,
  ExecInputSchema,
  type ExecStart,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmStream } from "../../lib/idm/mod.ts";

/** Quotes one word for sh -c (script(1) runs its command through the shell). */
const shellQuote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

/** A command line to run: program and arguments. */
export type CommandLine = [string, string[]];

/** Terminal sizes outside this range are ignored (a hostile or confused host). */
const MAX_TERMINAL = 1000;

/**
 * With a tty, the command runs under script(1), which gives it a terminal
 * over our pipes (foreground `runc exec --tty` relays the container's pty to
 * a terminal of its own; a zone shell wants one directly). The client's size
 * is set on that terminal first, so full-screen programs start the right size.
 */
function underTerminal([command, args]: CommandLine, start: ExecStart): CommandLine {
  const sized = start.rows > 0 && start.rows <= MAX_TERMINAL && start.columns > 0 &&
    start.columns <= MAX_TERMINAL;
  const line = [command, ...args].map(shellQuote).join(" ");
  const script = sized
    ? `stty rows ${start.rows} cols ${start.columns} 2>/dev/null; exec ${line}`
    : line;
  return ["script", ["-q", "-f", "-e", "-c", script, "/dev/null"]];
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
): Promise<void> {
  const send = (event: MessageInitShape<typeof ExecEventSchema>) =>
    stream.write(toBinary(ExecEventSchema, create(ExecEventSchema, event)));
  if (start.args.length === 0) {
    await send({ exited: true, exitCode: 125, error: "exec needs a command" });
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
    await send({
      exited: true,
      exitCode: 125,
      error: `cannot start ${command}: ${(e as Error).message}`,
    });
    return await stream.close();
  }
  const stdin = child.stdin.getWriter();
  (async () => {
    for await (const data of stream) {
      const input = fromBinary(ExecInputSchema, data);
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
