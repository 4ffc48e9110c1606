import { daemonFor } from "../cli/context.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { EXEC_OPTIONS, runExecSession } from "../cli/exec_session.ts";
import { resolveWorkloadId, resolveZoneId } from "../cli/resolve.ts";

export const workloadExecCommand: CommandSpec = {
  name: "exec",
  summary: "run a command inside a running workload (stdin is forwarded; -t gives it a terminal)",
  args: [
    { name: "workload", description: "workload name or ID" },
    { name: "command", description: "command and arguments", variadic: true },
  ],
  options: EXEC_OPTIONS,
  async run({ args: [ref, ...command], options }) {
    const { client } = daemonFor(options);
    const workloadId = await resolveWorkloadId(client, ref);
    await runExecSession(
      command,
      options,
      (first, rest) =>
        client.execInsideWorkload((async function* () {
          yield { workloadId, ...first };
          yield* rest;
        })()),
    );
  },
};

export const zoneExecCommand: CommandSpec = {
  name: "exec",
  summary: "run a command in the zone itself, outside any workload (-t gives it a terminal)",
  args: [
    { name: "zone", description: "zone name or ID" },
    { name: "command", description: "command and arguments", variadic: true },
  ],
  options: EXEC_OPTIONS,
  async run({ args: [ref, ...command], options }) {
    const { client } = daemonFor(options);
    const zoneId = await resolveZoneId(client, ref);
    await runExecSession(
      command,
      options,
      (first, rest) =>
        client.execInsideZone((async function* () {
          yield { zoneId, ...first };
          yield* rest;
        })()),
    );
  },
};
