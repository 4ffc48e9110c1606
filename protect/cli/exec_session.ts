import { writeAll } from "../../lib/bytes/mod.ts";
import type { ExecOutput } from "../../proto/mod.ts";
import { CliError, EXIT_NOT_RUN } from "./exit_codes.ts";
import type { Options, OptionSpec } from "./framework/mod.ts";
import { RequestQueue } from "../../lib/async/mod.ts";

/** -e, shared by `workload launch` and the exec commands. */
export const ENV_OPTION: OptionSpec = {
  long: "env",
  short: "e",
  value: "NAME=value",
  description: "environment variable",
  repeatable: true,
};

/** -w, shared by `workload launch` and the exec commands. */
export const WORKDIR_OPTION: OptionSpec = {
  long: "workdir",
  short: "w",
  value: "dir",
  description: "working directory",
};

/** The options every exec command shares. */
export const EXEC_OPTIONS: OptionSpec[] = [
  {
    long: "tty",
    short: "t",
    description: "allocate a terminal (raw mode on ours, when it is one)",
  },
  ENV_OPTION,
  WORKDIR_OPTION,
];

/** What the first exec request carries besides the target's ID. */
export interface ExecStartRequest {
  spec: { args: string[]; env: string[]; workingDirectory: string; tty: boolean };
  /** Our terminal's size, with -t on a terminal: the command starts at that size. */
  terminalSize?: { rows: number; columns: number };
}

/** Later requests: stdin, a new terminal size (with -t), then stdin's end. */
export type ExecFollowUp =
  | { stdin: Uint8Array }
  | { stdinClosed: true }
  | { terminalSize: { rows: number; columns: number } };

/**
 * Runs one exec end to end: our stdin goes up (raw when -t on a terminal),
 * output comes back to stdout/stderr, and the command's exit code becomes ours.
 */
export async function runExecSession(
  command: string[],
  o: Options,
  call: (
    first: ExecStartRequest,
    rest: AsyncIterable<ExecFollowUp>,
  ) => AsyncIterable<{ output?: ExecOutput }>,
): Promise<never> {
  if (command.length === 0) throw new CliError("exec needs a command (after --)", 2);
  const raw = o.tty === true && Deno.stdin.isTerminal();
  if (raw) Deno.stdin.setRaw(true);
  const first: ExecStartRequest = {
    spec: {
      args: command,
      env: (o.env as string[]) ?? [],
      workingDirectory: (o.workdir as string) ?? "",
      tty: o.tty === true,
    },
  };
  if (o.tty === true && Deno.stdout.isTerminal()) {
    const { rows, columns } = Deno.consoleSize();
    first.terminalSize = { rows, columns };
  }
  const followUps = new RequestQueue<ExecFollowUp>((item) => "stdinClosed" in item);
  (async () => {
    for await (const chunk of Deno.stdin.readable) followUps.push({ stdin: chunk });
    followUps.push({ stdinClosed: true });
  })();
  // Our terminal changed size: tell the command's terminal (SIGWINCH → resize request).
  const resized = () => {
    const { rows, columns } = Deno.consoleSize();
    followUps.push({ terminalSize: { rows, columns } });
  };
  if (first.terminalSize) Deno.addSignalListener("SIGWINCH", resized);
  let code = 0;
  try {
    for await (const { output } of call(first, followUps)) {
      if (!output) continue;
      if (output.stdout.length) await writeAll(Deno.stdout, output.stdout);
      if (output.stderr.length) await writeAll(Deno.stderr, output.stderr);
      if (output.exited) {
        // Docker's codes: 127 not found, 126 not executable; anything else never ran (125).
        if (output.error) {
          const code = output.exitCode === 126 || output.exitCode === 127
            ? output.exitCode
            : EXIT_NOT_RUN;
          throw new CliError(output.error, code);
        }
        code = output.exitCode;
      }
    }
  } finally {
    if (first.terminalSize) Deno.removeSignalListener("SIGWINCH", resized);
    if (raw) Deno.stdin.setRaw(false);
  }
  if (code !== 0) throw new CliError("", code);
  // stdin may still be open (a terminal): nothing more to read for us.
  Deno.exit(0);
}
