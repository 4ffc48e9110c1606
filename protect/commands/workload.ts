import { toJson } from "@bufbuild/protobuf";
import { Command } from "commander";
import { type Workload, WorkloadSchema, WorkloadState } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
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

export function workloadCommand(): Command {
  const workload = new Command("workload").description("inspect workloads (containers in zones)");

  workload.command("list").alias("ls").description("list workloads")
    .option("-z, --zone <zone>", "only this zone's workloads (name or ID)")
    .action(async (opts, command: Command) => {
      const { client, output } = daemonFor(command);
      const { workloads } = await client.listWorkloads({ zone: opts.zone ?? "" });
      console.log(render(output, workloads, asJson, COLUMNS));
    });

  workload.command("get").description("show one workload").argument("<workload>", "name or ID")
    .action(async (ref: string, _opts, command: Command) => {
      const { client, output } = daemonFor(command);
      const id = await resolveWorkloadId(client, ref);
      const { workload: w } = await client.getWorkload({ workloadId: id });
      console.log(render(output, w ? [w] : [], asJson, COLUMNS, false));
    });
  return workload;
}
