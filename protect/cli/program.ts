import { Command, Option } from "commander";
import { PROTECT_VERSION } from "../../lib/version/mod.ts";
import { completionCommand } from "../commands/completion.ts";
import { hostCommand } from "../commands/host.ts";
import { workloadCommand } from "../commands/workload.ts";
import { zoneCommand } from "../commands/zone.ts";
import { DEFAULT_SOCKET } from "./client.ts";
import { OUTPUT_FORMATS } from "./output.ts";

/** The whole `protect` command tree; main.ts runs it. */
export function buildProgram(): Command {
  const program: Command = new Command("protect")
    .description("protect: containers in Xen zones — VM isolation, container ergonomics")
    .version(PROTECT_VERSION)
    .addOption(
      new Option("-s, --socket <path>", `protect-daemon socket (default ${DEFAULT_SOCKET})`)
        .env("PROTECT_SOCKET"),
    )
    .option("--root <dir>", "talk to the daemon started with this --root")
    .addOption(
      new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS)
        .default("table").env("PROTECT_OUTPUT"),
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  program.addCommand(zoneCommand());
  program.addCommand(workloadCommand());
  program.addCommand(hostCommand());
  program.addCommand(completionCommand(() => program));
  // Every subcommand throws on usage errors instead of exiting, so main.ts owns exit codes.
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  return program;
}
