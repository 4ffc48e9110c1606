import { Command } from "commander";
import { ZoneState } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import { render } from "../cli/output.ts";
import { parsePositiveInt } from "../cli/parse.ts";
import { resolveZoneId } from "../cli/resolve.ts";
import { waitForZone } from "../cli/wait.ts";
import { ZONE_COLUMNS, zoneJson, zoneStateName } from "../cli/zone_view.ts";
import { zoneLaunchCommand } from "./zone_launch.ts";

export function zoneCommand(): Command {
  const zone = new Command("zone").description("manage zones (isolated guests that run workloads)");
  zone.addCommand(zoneLaunchCommand());

  zone.command("list").alias("ls").description("list zones")
    .action(async (_opts, command: Command) => {
      const { client, output } = daemonFor(command);
      const { zones } = await client.listZones({});
      console.log(render(output, zones, zoneJson, ZONE_COLUMNS));
    });

  zone.command("get").description("show one zone").argument("<zone>", "zone name or ID")
    .action(async (ref: string, _opts, command: Command) => {
      const { client, output } = daemonFor(command);
      const { zone } = await client.getZone({ zoneId: await resolveZoneId(client, ref) });
      console.log(render(output, zone ? [zone] : [], zoneJson, ZONE_COLUMNS, false));
    });

  zone.command("destroy").alias("rm").description("destroy a zone and everything in it")
    .argument("<zone>", "zone name or ID")
    .option("-w, --wait", "wait until the zone is gone")
    .option("--timeout <seconds>", "give up waiting after this long", parsePositiveInt, 300)
    .action(async (ref: string, opts, command: Command) => {
      const { client } = daemonFor(command);
      const zoneId = await resolveZoneId(client, ref);
      await client.destroyZone({ zoneId });
      if (opts.wait) {
        await waitForZone(client, zoneId, (z) => z ? "continue" : "done", opts.timeout * 1000);
        console.log(`zone ${ref} destroyed`);
      } else {
        console.log(`zone ${ref} destroying`);
      }
    });

  zone.command("watch").description("stream zone changes as they happen (Ctrl-C to stop)")
    .action(async (_opts, command: Command) => {
      const { client, output } = daemonFor(command);
      for await (const { event } of client.watchEvents({})) {
        if (event.case !== "zoneChanged") continue;
        const z = event.value;
        if (output === "table") {
          const error = z.status?.error ? `  ${z.status.error}` : "";
          console.log(`${z.spec?.name}  ${z.id}  ${zoneStateName(z.status?.state)}${error}`);
        } else {
          console.log(render(output === "json" ? "jsonl" : output, [z], zoneJson, ZONE_COLUMNS));
          if (output === "yaml") console.log("---");
        }
        if (z.status?.state === ZoneState.UNSPECIFIED) break;
      }
    });
  return zone;
}
