import { toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  type GetHostStatusResponse,
  GetHostStatusResponseSchema,
  HostCpuSchema,
} from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { render } from "../cli/output.ts";
import { resolveZoneId } from "../cli/resolve.ts";
import { hostMetricsCommand } from "./host_metrics.ts";

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
    ...(hv?.xenstore ? [["xenstore", hv.xenstore] as [string, string]] : []),
    ["memory", `${mib(s.freeMemoryBytes)} free of ${mib(s.totalMemoryBytes)}`],
    ["zones", String(s.zoneCount)],
    ["workloads", String(s.workloadCount)],
    ["daemon started", s.startedAt ? timestampDate(s.startedAt).toISOString() : ""],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

const idmSnoopCommand: CommandSpec = {
  name: "idm-snoop",
  summary: "show IDM traffic between the daemon and zones as it happens (Ctrl-C to stop)",
  options: [
    { long: "zone", short: "z", value: "zone", description: "only this zone (name or ID)" },
    {
      long: "type",
      short: "t",
      value: "type",
      description: "only this message type",
      repeatable: true,
    },
  ],
  async run({ options }) {
    const { client, output } = daemonFor(options);
    const zoneId = options.zone ? await resolveZoneId(client, options.zone as string) : "";
    for await (const m of client.snoopIdm({ zoneId, messageTypes: options.type as string[] })) {
      const at = m.at ? timestampDate(m.at).toISOString() : "";
      if (output === "table") {
        console.log(
          `${at} ${m.zoneId.slice(0, 8) || "-"} ${m.direction} ${m.messageType} ${m.json}`,
        );
      } else {
        console.log(
          JSON.stringify({
            at,
            zoneId: m.zoneId,
            direction: m.direction,
            packet: JSON.parse(m.json),
          }),
        );
      }
    }
  },
};

const hvConsoleCommand: CommandSpec = {
  name: "hv-console",
  summary: "print the hypervisor's console ring (Xen's boot and runtime messages)",
  options: [{ long: "clear", description: "empty the ring after reading it" }],
  async run({ options }) {
    const { client } = daemonFor(options);
    const { data } = await client.readHypervisorConsole({ clear: !!options.clear });
    Deno.stdout.writeSync(new TextEncoder().encode(data));
  },
};

const hvDebugInfoCommand: CommandSpec = {
  name: "hv-debug-info",
  summary: "JSON of the hypervisor's domains, and the devices and xenstore state of our zones",
  async run({ options }) {
    const { client } = daemonFor(options);
    const { json } = await client.getHypervisorDebugInfo({});
    console.log(JSON.stringify(JSON.parse(json), null, 2));
  },
};

const cpuTopologyCommand: CommandSpec = {
  name: "cpu-topology",
  summary: "the physical CPUs zones run on: core, socket, NUMA node",
  async run({ options }) {
    const { client, output } = daemonFor(options);
    const { cpus } = await client.getHostCpuTopology({});
    console.log(
      await render(output, cpus, (c) => toJson(HostCpuSchema, c), [
        { header: "CPU", cell: (c) => String(c.cpu) },
        { header: "CORE", cell: (c) => String(c.core) },
        { header: "SOCKET", cell: (c) => String(c.socket) },
        { header: "NODE", cell: (c) => String(c.node) },
      ]),
    );
  },
};

export const hostCommand: CommandSpec = {
  name: "host",
  summary: "inspect the host and its hypervisor",
  commands: [
    idmSnoopCommand,
    hvConsoleCommand,
    hvDebugInfoCommand,
    cpuTopologyCommand,
    hostMetricsCommand,
    {
      name: "status",
      summary: "daemon, hypervisor and capacity at a glance",
      async run({ options }) {
        const { client, output } = daemonFor(options);
        const status = await client.getHostStatus({});
        console.log(
          output === "table" ? statusLines(status) : await render(
            output,
            [status],
            (s) => toJson(GetHostStatusResponseSchema, s),
            [],
            false,
          ),
        );
      },
    },
  ],
};
