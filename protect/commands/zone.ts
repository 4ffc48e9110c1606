import { toJson } from "@bufbuild/protobuf";
import {
  ControlService,
  PolicyDecisionSchema,
  ZoneMetricsSchema,
  ZoneState,
} from "../../proto/mod.ts";
import { serverStream } from "../../lib/rpc/mod.ts";
import { daemonFor } from "../cli/context.ts";
import { type CommandSpec, UsageError } from "../cli/framework/mod.ts";
import { render } from "../cli/output.ts";
import { runConsoleSession } from "../cli/console_session.ts";
import { resolveZoneId } from "../cli/resolve.ts";
import { waitForZone } from "../cli/wait.ts";
import { ZONE_COLUMNS, zoneJson, zoneStateName } from "../cli/zone_view.ts";
import { TIMEOUT_OPTION, zoneLaunchCommand } from "./zone_launch.ts";
import { zoneExecCommand } from "./exec.ts";
import { zoneDeviceCommand } from "./device.ts";
import { zoneTopCommand } from "./zone_top.ts";
import { zoneApplyCommand, zoneDiffCommand } from "./zone_declared.ts";
import { parsePositiveInt } from "../cli/parse.ts";

const ZONE_ARG = [{ name: "zone", description: "zone name or ID" }];

export const zoneCommand: CommandSpec = {
  name: "zone",
  summary: "manage zones (isolated guests that run workloads)",
  commands: [
    zoneLaunchCommand,
    zoneExecCommand,
    zoneDeviceCommand,
    zoneTopCommand,
    zoneApplyCommand,
    zoneDiffCommand,
    {
      name: "list",
      aliases: ["ls"],
      summary: "list zones",
      options: [{
        long: "pool",
        description: "list the warm pool's zones instead: booted ahead by protect-orchestrator, " +
          "no name or network of their own until a launch of their shape claims one",
      }],
      async run({ options }) {
        const { client, output } = daemonFor(options);
        const { zones } = await client.listZones({});
        const pool = zones.filter((z) => z.spec?.pool);
        const shown = options.pool ? pool : zones.filter((z) => !z.spec?.pool);
        console.log(await render(output, shown, zoneJson, ZONE_COLUMNS));
        if (!options.pool && pool.length > 0 && output === "table") {
          console.error(`(${pool.length} warm pool zones not shown: zone list --pool)`);
        }
      },
    },
    {
      name: "get",
      summary: "show one zone",
      args: ZONE_ARG,
      async run({ args: [ref], options }) {
        const { client, output } = daemonFor(options);
        const { zone } = await client.getZone({ zoneId: await resolveZoneId(client, ref) });
        console.log(await render(output, zone ? [zone] : [], zoneJson, ZONE_COLUMNS, false));
      },
    },
    {
      name: "destroy",
      aliases: ["rm"],
      summary: "destroy a zone and everything in it",
      args: ZONE_ARG,
      options: [
        { long: "wait", short: "w", description: "wait until the zone is gone" },
        TIMEOUT_OPTION,
      ],
      async run({ args: [ref], options }) {
        const { client } = daemonFor(options);
        const zoneId = await resolveZoneId(client, ref);
        await client.destroyZone({ zoneId });
        if (!options.wait) {
          console.log(`zone ${ref} destroying`);
          return;
        }
        await waitForZone(
          client,
          zoneId,
          (z) => z ? "continue" : "done",
          (options.timeout as number) * 1000,
        );
        console.log(`zone ${ref} destroyed`);
      },
    },
    {
      name: "logs",
      summary: "print a zone's console (the agent's log under the process driver; -f to follow)",
      args: ZONE_ARG,
      options: [{
        long: "follow",
        short: "f",
        description: "keep printing new output (Ctrl-C to stop)",
      }],
      async run({ args: [ref], options }) {
        const { client } = daemonFor(options);
        const zoneId = await resolveZoneId(client, ref);
        const requests = (async function* () {
          yield { zoneId, replayHistory: true, follow: options.follow === true };
        })();
        for await (const { data } of client.attachZoneConsole(requests)) {
          await Deno.stdout.write(data);
        }
      },
    },
    {
      name: "console",
      summary: "attach to a zone's console: its output, and a shell on it (Xen; Ctrl-] leaves)",
      args: ZONE_ARG,
      async run({ args: [ref], options }) {
        const { client } = daemonFor(options);
        await runConsoleSession(client, await resolveZoneId(client, ref));
      },
    },
    {
      name: "update-resources",
      summary: "change a running zone's memory target and online vCPUs (within its maximums)",
      args: ZONE_ARG,
      options: [
        {
          long: "memory",
          short: "m",
          value: "MiB",
          description: "new target memory",
          parse: parsePositiveInt,
        },
        {
          long: "cpus",
          short: "c",
          value: "n",
          description: "new number of online vCPUs",
          parse: parsePositiveInt,
        },
      ],
      async run({ args: [ref], options }) {
        const { client } = daemonFor(options);
        if (options.memory === undefined && options.cpus === undefined) {
          throw new UsageError("give --memory and/or --cpus", "zone update-resources");
        }
        const zoneId = await resolveZoneId(client, ref);
        await client.updateZoneResources({
          zoneId,
          resources: {
            targetMemoryMib: BigInt((options.memory as number) ?? 0),
            targetCpus: (options.cpus as number) ?? 0,
          },
        });
        console.log(`zone ${ref} resources updated`);
      },
    },
    {
      name: "metrics",
      summary: "memory, CPU and processes as the zone reports them",
      args: ZONE_ARG,
      async run({ args: [ref], options }) {
        const { client, output } = daemonFor(options);
        const { metrics } = await client.readZoneMetrics({
          zoneId: await resolveZoneId(client, ref),
        });
        if (!metrics) return;
        if (output !== "table") {
          console.log(
            await render(output, [metrics], (m) => toJson(ZoneMetricsSchema, m), [], false),
          );
          return;
        }
        const mib = (b: bigint) => `${b / 1024n / 1024n} MiB`;
        console.log(
          `memory     ${mib(metrics.memoryUsedBytes)} used of ${mib(metrics.memoryTotalBytes)}`,
        );
        console.log(`cpu        ${metrics.cpuPercent}% busy since the last sample`);
        console.log(`processes  ${metrics.processCount}`);
      },
    },
    {
      name: "watch",
      summary:
        "stream zone changes, and protect-orchestrator's decisions about zones, as they happen (Ctrl-C to stop)",
      async run({ options }) {
        const { socket, output } = daemonFor(options);
        // Not client.watchEvents: connect's client keeps every message of a call until it ends.
        for await (const { event } of serverStream(socket, ControlService.method.watchEvents, {})) {
          if (event.case === "policyDecision") {
            const d = event.value;
            console.log(
              output === "table"
                ? `${d.zone || "-"}  ${d.source}: ${d.action}  ${d.reason}`
                : JSON.stringify(toJson(PolicyDecisionSchema, d)),
            );
            continue;
          }
          if (event.case !== "zoneChanged") continue;
          const z = event.value;
          if (output === "table") {
            const error = z.status?.error ? `  ${z.status.error}` : "";
            console.log(`${z.spec?.name}  ${z.id}  ${zoneStateName(z.status?.state)}${error}`);
          } else {
            const format = output === "json" ? "jsonl" : output;
            console.log(await render(format, [z], zoneJson, ZONE_COLUMNS));
            if (output === "yaml") console.log("---");
          }
          if (z.status?.state === ZoneState.UNSPECIFIED) break;
        }
      },
    },
  ],
};
