/**
 * protect: the CLI. Parsing, help and exit codes here; commands in commands/.
 */
import { PROTECT_VERSION } from "../lib/version/mod.ts";
import { describeRpcError } from "./cli/client.ts";
import { globals } from "./cli/context.ts";
import { CliError, EXIT } from "./cli/exit_codes.ts";
import { helpText, parseArgv, UsageError } from "./cli/framework/mod.ts";
import { program } from "./cli/program.ts";
import { skipClearingNoTimer } from "./cli/lazy_timers.ts";

/** Reads only the variables the CLI declares (its permission set grants just those). */
const env = (name: string) => Deno.env.get(name);

async function main(argv: string[]): Promise<number> {
  skipClearingNoTimer();
  let options: Record<string, unknown> = {};
  try {
    const call = parseArgv(program, argv, env);
    options = call.options;
    if (call.options.version && call.path.length === 1) {
      console.log(PROTECT_VERSION);
      return EXIT.ok;
    }
    if (call.help || !call.command.run) {
      console.log(helpText(call.command, call.path, program.options ?? []));
      return EXIT.ok;
    }
    await call.command.run({ args: call.args, options: call.options, root: program });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      const where = e.commandPath || "protect";
      console.error(`protect: ${e.message}\n(run '${where} --help' for usage)`);
      return EXIT.usage;
    }
    const error = e instanceof CliError ? e : describeRpcError(e, globals(options).socket);
    // An empty message carries only an exit code (a workload's own exit status).
    if (error.message) console.error(`protect: ${error.message}`);
    return error.exitCode;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
