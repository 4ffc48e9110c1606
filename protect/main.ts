/**
 * protect: the CLI. Flags and exit codes here; commands in commands/.
 */
import { CommanderError } from "commander";
import { describeRpcError } from "./cli/client.ts";
import { globals } from "./cli/context.ts";
import { CliError, EXIT } from "./cli/exit_codes.ts";
import { buildProgram } from "./cli/program.ts";

async function main(): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(Deno.args, { from: "user" });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version "errors" are successes; commander printed the text already.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const error = e instanceof CliError ? e : describeRpcError(e, globals(program).socket);
    console.error(`protect: ${error.message}`);
    return error.exitCode;
  }
}

if (import.meta.main) Deno.exit(await main());
