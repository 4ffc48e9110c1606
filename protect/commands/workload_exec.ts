import { daemonFor } from "../cli/context.ts";
import { CliError } from "../cli/exit_codes.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { resolveWorkloadId } from "../cli/resolve.ts";
import { EXIT_NOT_RUN } from "./workload_launch.ts";

export const workloadExecCommand: CommandSpec = {
  name: "exec",
  summary: "run a command inside a running workload (stdin is forwarded; -t gives it a terminal)",
  args: [
    { name: "workload", description: "workload name or ID" },
    { name: "command", description: "command and arguments", variadic: true },
  ],
  options: [
    {
      long: "tty",
      short: "t",
      description: "allocate a terminal (raw mode on ours, when it is one)",
    },
    {
      long: "env",
      short: "e",
      value: "NAME=value",
      description: "environment variable",
      repeatable: true,
    },
    { long: "workdir", short: "w", value: "dir", description: "working directory" },
  ],
  async run({ args: [ref, ...command], options: o }) {
    if (command.length === 0) throw new CliError("exec needs a command (after --)", 2);
    const { client } = daemonFor(o);
    const workloadId = await resolveWorkloadId(client, ref);
    const raw = o.tty === true && Deno.stdin.isTerminal();
    if (raw) Deno.stdin.setRaw(true);
    const requests = (async function* () {
      yield {
        workloadId,
        spec: {
          args: command,
          env: o.env as string[],
          workingDirectory: (o.workdir as string) ?? "",
          tty: o.tty === true,
        },
      };
      for await (const chunk of Deno.stdin.readable) yield { stdin: chunk };
      yield { stdinClosed: true };
    })();
    let code = 0;
    try {
      for await (const { output } of client.execInsideWorkload(requests)) {
        if (!output) continue;
        if (output.stdout.length) await Deno.stdout.write(output.stdout);
        if (output.stderr.length) await Deno.stderr.write(output.stderr);
        if (output.exited) {
          if (output.error) throw new CliError(output.error, EXIT_NOT_RUN);
          code = output.exitCode;
        }
      }
    } finally {
      if (raw) Deno.stdin.setRaw(false);
    }
    if (code !== 0) throw new CliError("", code);
    // stdin may still be open (a terminal): nothing more to read for us.
    Deno.exit(0);
  },
};
