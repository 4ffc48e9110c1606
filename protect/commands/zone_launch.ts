import { Command, Option } from "commander";
import { HypervisorBackend, ZoneState } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import { CliError, EXIT } from "../cli/exit_codes.ts";
import { render } from "../cli/output.ts";
import { parseKeyValue, parsePositiveInt } from "../cli/parse.ts";
import { waitForZone } from "../cli/wait.ts";
import { ZONE_COLUMNS, zoneJson } from "../cli/zone_view.ts";

const BACKENDS = {
  auto: HypervisorBackend.AUTO,
  pv: HypervisorBackend.PV,
  pvh: HypervisorBackend.PVH,
};

export function zoneLaunchCommand(): Command {
  return new Command("launch")
    .description("create a zone and start it (add --wait to block until it is READY)")
    .requiredOption("-n, --name <name>", "zone name (DNS label)")
    .option(
      "-m, --memory <MiB>",
      "target memory in MiB (default: daemon's zone_defaults)",
      parsePositiveInt,
    )
    .option("--max-memory <MiB>", "maximum memory in MiB (default: --memory)", parsePositiveInt)
    .option("-c, --cpus <n>", "virtual CPUs (default: daemon's zone_defaults)", parsePositiveInt)
    .option("--max-cpus <n>", "maximum virtual CPUs (default: --cpus)", parsePositiveInt)
    .addOption(
      new Option("--backend <backend>", "guest type").choices(Object.keys(BACKENDS)).default(
        "auto",
      ),
    )
    .option("--kernel <path>", "zone kernel (default: the host's)")
    .option("--initrd <path>", "zone initrd (default: the host's)")
    .option("--kernel-option <opt>", "extra kernel command-line option (repeatable)", collect, [])
    .option("--annotation <key=value>", "annotation (repeatable)", collect, [])
    .option("--scratch-disk <MiB>", "size of a writable ext4 scratch disk", parsePositiveInt)
    .option("-w, --wait", "wait until the zone is READY (exit 1 if it FAILS)")
    .option("--timeout <seconds>", "give up waiting after this long", parsePositiveInt, 300)
    .action(async (opts, command: Command) => {
      const { client, output } = daemonFor(command);
      const { zoneId } = await client.createZone({
        spec: {
          name: opts.name,
          kernel: opts.kernel ?? "",
          initrd: opts.initrd ?? "",
          backend: BACKENDS[opts.backend as keyof typeof BACKENDS],
          resources: {
            targetMemoryMib: BigInt(opts.memory ?? 0),
            maxMemoryMib: BigInt(opts.maxMemory ?? 0),
            targetCpus: opts.cpus ?? 0,
            maxCpus: opts.maxCpus ?? 0,
          },
          kernelOptions: opts.kernelOption,
          annotations: Object.fromEntries(
            (opts.annotation as string[]).map((a) => parseKeyValue(a, "--annotation")),
          ),
          scratchDisk: opts.scratchDisk ? { sizeMib: BigInt(opts.scratchDisk) } : undefined,
        },
      });
      const status = await client.getHostStatus({});
      if (status.hypervisor?.driver === "fake") {
        console.error(
          "warning: protect-daemon uses the fake hypervisor driver: this zone is simulated, nothing runs in it",
        );
      }
      if (opts.wait) {
        await waitForZone(client, zoneId, (zone) => {
          if (!zone) return { failed: `zone ${opts.name} vanished while launching` };
          if (zone.status?.state === ZoneState.READY) return "done";
          if (zone.status?.state === ZoneState.FAILED) {
            return { failed: `zone ${opts.name} FAILED: ${zone.status.error}` };
          }
          return "continue";
        }, opts.timeout * 1000);
        const { zone } = await client.getZone({ zoneId });
        if (!zone) throw new CliError("daemon returned no zone", EXIT.failed);
        if (output === "table") console.log(`zone ${opts.name} READY (${zoneId})`);
        else console.log(render(output, [zone], zoneJson, ZONE_COLUMNS, false));
      } else {
        console.log(zoneId);
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
