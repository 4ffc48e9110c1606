import { toJson } from "@bufbuild/protobuf";
import { type Workload, WorkloadSchema, WorkloadState } from "../../proto/mod.ts";
import type { ControlClient } from "../cli/client.ts";
import { daemonFor } from "../cli/context.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { type Column, render } from "../cli/output.ts";
import { resolveWorkloadId } from "../cli/resolve.ts";
import { parseKeyValue, parsePositiveInt } from "../cli/parse.ts";
import { workloadLaunchCommand } from "./workload_launch.ts";
import { workloadExecCommand } from "./exec.ts";
import { runAttachSession } from "../cli/attach_session.ts";

/**
 * Attaches as the workload was launched: a terminal and input if it has a tty or stdin.
 * With `start`: from the beginning, starting it once attached (`start -a`).
 */
async function attachAs(
  client: ControlClient,
  workloadId: string,
  ref: string,
  start?: () => Promise<void>,
): Promise<void> {
  const { workload } = await client.getWorkload({ workloadId });
  const process = workload?.spec?.process;
  await runAttachSession(client, workloadId, {
    tty: process?.tty ?? false,
    stdin: (process?.tty || process?.stdin) ?? false,
    replay: start !== undefined,
    name: ref,
    start,
  });
}

/** Table columns; a workload's zone is shown by name when `zoneNames` knows it. */
const columns = (zoneNames: Map<string, string>): Column<Workload>[] => [
  { header: "NAME", cell: (w) => w.spec?.name ?? "" },
  { header: "ID", cell: (w) => w.id },
  { header: "ZONE", cell: (w) => zoneNames.get(w.zoneId) || w.zoneId },
  { header: "IMAGE", cell: (w) => w.spec?.image ?? "" },
  { header: "STATE", cell: (w) => WorkloadState[w.status?.state ?? 0] },
  // A workload that ran to its end has an exit code; a FAILED one only when it has one (126, 127).
  {
    header: "EXIT",
    cell: (w) =>
      w.status?.state === WorkloadState.COMPLETED ||
        (w.status?.state === WorkloadState.FAILED && w.status.exitCode !== 0)
        ? String(w.status.exitCode)
        : "",
  },
  { header: "REASON", cell: (w) => w.status?.reason ?? "" },
  { header: "ERROR", cell: (w) => w.status?.error ?? "" },
];
const asJson = (w: Workload) => toJson(WorkloadSchema, w);

/** Zone ID to name, for a table (other formats carry the ID and skip the extra call). */
async function zoneNamesFor(client: ControlClient, output: string): Promise<Map<string, string>> {
  if (output !== "table") return new Map();
  const { zones } = await client.listZones({});
  return new Map(zones.map((z) => [z.id, z.spec?.name ?? ""]));
}

const WORKLOAD_ARG = [{ name: "workload", description: "workload name or ID" }];

export const workloadCommand: CommandSpec = {
  name: "workload",
  summary: "run and inspect workloads (containers in zones)",
  commands: [
    workloadLaunchCommand,
    workloadExecCommand,
    {
      name: "logs",
      summary: "print a workload's output (-f to follow)",
      args: WORKLOAD_ARG,
      options: [{
        long: "follow",
        short: "f",
        description: "keep printing new output until it exits",
      }],
      async run({ args: [ref], options }) {
        const { client } = daemonFor(options);
        const workloadId = await resolveWorkloadId(client, ref);
        for await (
          const chunk of client.readWorkloadLogs({ workloadId, follow: options.follow === true })
        ) {
          if (chunk.stdout.length) await Deno.stdout.write(chunk.stdout);
          if (chunk.stderr.length) await Deno.stderr.write(chunk.stderr);
        }
      },
    },
    {
      name: "start",
      summary: "start a CREATED workload (-a: stay attached and exit with its code)",
      args: WORKLOAD_ARG,
      options: [{ long: "attach", short: "a", description: "follow its output until it exits" }],
      async run({ args: [ref], options }) {
        const { client } = daemonFor(options);
        const workloadId = await resolveWorkloadId(client, ref);
        if (!options.attach) {
          await client.startWorkload({ workloadId });
          console.log(`workload ${ref} started`);
          return;
        }
        await attachAs(client, workloadId, ref, async () => {
          await client.startWorkload({ workloadId });
        });
      },
    },
    {
      name: "attach",
      summary: "attach to a workload: its output here, our input there if it has a tty or " +
        "stdin, until it exits (its code becomes ours); Ctrl-P Ctrl-Q detaches (tty), else Ctrl-C",
      args: WORKLOAD_ARG,
      async run({ args: [ref], options }) {
        const { client } = daemonFor(options);
        await attachAs(client, await resolveWorkloadId(client, ref), ref);
      },
    },
    {
      name: "stop",
      summary: "stop a workload: SIGTERM, then SIGKILL after the grace period",
      args: WORKLOAD_ARG,
      options: [{
        long: "time",
        short: "t",
        value: "seconds",
        description: "grace period",
        default: 10,
        parse: parsePositiveInt,
      }],
      async run({ args: [ref], options }) {
        const { client } = daemonFor(options);
        const workloadId = await resolveWorkloadId(client, ref);
        await client.stopWorkload({ workloadId, gracePeriodSeconds: options.time as number });
        console.log(`workload ${ref} stopped`);
      },
    },
    {
      name: "destroy",
      aliases: ["rm"],
      summary: "stop (if running) and remove a workload",
      args: WORKLOAD_ARG,
      async run({ args: [ref], options }) {
        const { client } = daemonFor(options);
        await client.destroyWorkload({ workloadId: await resolveWorkloadId(client, ref) });
        console.log(`workload ${ref} destroyed`);
      },
    },
    {
      name: "list",
      aliases: ["ls"],
      summary: "list workloads",
      options: [{
        long: "zone",
        short: "z",
        value: "zone",
        description: "only this zone's workloads (name or ID)",
      }, {
        long: "label",
        short: "l",
        value: "key=value",
        description: "only workloads with this label (repeat: all of them)",
        repeatable: true,
        parse: parseKeyValue,
      }],
      async run({ options }) {
        const { client, output } = daemonFor(options);
        const { workloads } = await client.listWorkloads({
          zone: (options.zone as string) ?? "",
          labels: Object.fromEntries(options.label as Array<[string, string]>),
        });
        const zoneNames = await zoneNamesFor(client, output);
        console.log(await render(output, workloads, asJson, columns(zoneNames)));
      },
    },
    {
      name: "get",
      summary: "show one workload",
      args: [{ name: "workload", description: "workload name or ID" }],
      async run({ args: [ref], options }) {
        const { client, output } = daemonFor(options);
        const id = await resolveWorkloadId(client, ref);
        const { workload: w } = await client.getWorkload({ workloadId: id });
        const zoneNames = await zoneNamesFor(client, output);
        console.log(await render(output, w ? [w] : [], asJson, columns(zoneNames), false));
      },
    },
  ],
};
