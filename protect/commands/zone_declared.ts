import { daemonFor } from "../cli/context.ts";
import { CliError, EXIT } from "../cli/exit_codes.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import {
  applyDeclaration,
  type Declaration,
  describeAction,
  parseDeclaration,
  planDeclaration,
} from "../../lib/declared/mod.ts";
import { TIMEOUT_OPTION } from "./zone_launch.ts";

const FILE_OPTION = {
  long: "file",
  short: "f",
  value: "file",
  description: "a zone declaration (TOML: [zone] and [[workloads]], docs/orchestrator.md)",
  required: true,
};

function readDeclaration(file: string): Declaration {
  let path: string;
  let text: string;
  try {
    // The absolute path: it is recorded on the zone as where the declaration came from.
    path = Deno.realPathSync(file);
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, EXIT.usage);
  }
  return parseDeclaration(text, path);
}

async function planFor(options: Record<string, unknown>) {
  const decl = readDeclaration(options.file as string);
  const { client } = daemonFor(options);
  const [{ zones }, { workloads }] = await Promise.all([
    client.listZones({}),
    client.listWorkloads({}),
  ]);
  return { decl, client, actions: planDeclaration(decl, zones, workloads) };
}

export const zoneDiffCommand: CommandSpec = {
  name: "diff",
  summary: "what `zone apply -f FILE` would change, one line each (exit 0 either way)",
  options: [FILE_OPTION],
  async run({ options }) {
    const { decl, actions } = await planFor(options);
    console.log(
      actions.length
        ? actions.map(describeAction).join("\n")
        : `zone ${decl.zone.name} matches ${decl.source}`,
    );
  },
};

export const zoneApplyCommand: CommandSpec = {
  name: "apply",
  summary:
    "make a zone and its workloads match a declaration file, once (protect-orchestrator keeps /etc/protect/zones.d running)",
  options: [FILE_OPTION, TIMEOUT_OPTION],
  async run({ options }) {
    const { decl, client, actions } = await planFor(options);
    if (actions.length === 0) {
      console.log(`zone ${decl.zone.name} matches ${decl.source}`);
      return;
    }
    await applyDeclaration(client, decl, actions, {
      timeoutMs: (options.timeout as number) * 1000,
      onStep: (a) => console.log(describeAction(a)),
    });
    console.log(`zone ${decl.zone.name} applied from ${decl.source}`);
  },
};
