import { toJson } from "@bufbuild/protobuf";
import { type Workload, WorkloadSchema, WorkloadState } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { type Column, render } from "../cli/output.ts";
import { resolveWorkloadId } from "../cli/resolve.ts";

const COLUMNS: Column<Workload>[] = [
  { header: "NAME", cell: (w) => w.spec?.name ?? "" },
  { header: "ID", cell: (w) => w.id },
  { header: "ZONE", cell: (w) => w.zoneId },
  { header: "IMAGE", cell: (w) => w.spec?.image ?? "" },
  { header: "STATE", cell: (w) => WorkloadState[w.status?.state ?? 0] },
  { header: "EXIT", cell: (w) => String(w.status?.exitCode ?? "") },
  { header: "ERROR", cell: (w) => w.status?.error ?? "" },
];
const asJson = (w: Workload) => toJson(WorkloadSchema, w);

export const workloadCommand: CommandSpec = {
  name: "workload",
  summary: "inspect workloads (containers in zones)",
  commands: [
    {
      name: "list",
      aliases: ["ls"],
      summary: "list workloads",
      options: [{
        long: "zone",
        short: "z",
        value: "zone",
        description: "only this zone's workloads (name or ID)",
      }],
      async run({ options }) {
        const { client, output } = daemonFor(options);
        const { workloads } = await client.listWorkloads({ zone: (options.zone as string) ?? "" });
        console.log(await render(output, workloads, asJson, COLUMNS));
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
        console.log(await render(output, w ? [w] : [], asJson, COLUMNS, false));
      },
    },
  ],
};
