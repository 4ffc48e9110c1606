import { toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Command } from "commander";
import { type GetHostStatusResponse, GetHostStatusResponseSchema } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import { render } from "../cli/output.ts";

const mib = (bytes: bigint) => `${bytes / 1024n / 1024n} MiB`;

/** Key/value lines: the table view of a single status record. */
function statusLines(s: GetHostStatusResponse): string {
  const hv = s.hypervisor;
  const isolation = hv?.hardwareIsolation ? "yes" : "NO (zones are not VMs with this driver)";
  const rows: [string, string][] = [
    ["host", `${s.hostname} (${s.hostUuid})`],
    ["protect", s.version],
    ["driver", `${hv?.driver}${hv?.version ? ` — ${hv.version}` : ""}`],
    ["hardware isolation", isolation],
    ["memory", `${mib(s.freeMemoryBytes)} free of ${mib(s.totalMemoryBytes)}`],
    ["zones", String(s.zoneCount)],
    ["workloads", String(s.workloadCount)],
    ["daemon started", s.startedAt ? timestampDate(s.startedAt).toISOString() : ""],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

export function hostCommand(): Command {
  const host = new Command("host").description("inspect the host and its hypervisor");
  host.command("status").description("daemon, hypervisor and capacity at a glance")
    .action(async (_opts, command: Command) => {
      const { client, output } = daemonFor(command);
      const status = await client.getHostStatus({});
      console.log(
        output === "table"
          ? statusLines(status)
          : render(output, [status], (s) => toJson(GetHostStatusResponseSchema, s), [], false),
      );
    });
  return host;
}
