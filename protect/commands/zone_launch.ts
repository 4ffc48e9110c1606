import { HypervisorBackend, ResourcePolicy, ZoneState } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import { CliError, EXIT } from "../cli/exit_codes.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { render } from "../cli/output.ts";
import { parseKeyValue, parsePositiveInt } from "../cli/parse.ts";
import { PUBLISH_OPTION, publishedPorts } from "../cli/publish.ts";
import { waitForZone } from "../cli/wait.ts";
import { ZONE_COLUMNS, zoneJson } from "../cli/zone_view.ts";

const BACKENDS = {
  auto: HypervisorBackend.AUTO,
  pv: HypervisorBackend.PV,
  pvh: HypervisorBackend.PVH,
};

export const TIMEOUT_OPTION = {
  long: "timeout",
  value: "seconds",
  description: "give up waiting after this long",
  default: 300,
  parse: parsePositiveInt,
};

export const zoneLaunchCommand: CommandSpec = {
  name: "launch",
  summary: "create a zone and start it (add --wait to block until it is READY)",
  options: [
    {
      long: "name",
      short: "n",
      value: "name",
      description: "zone name (DNS label)",
      required: true,
    },
    {
      long: "memory",
      short: "m",
      value: "MiB",
      description: "target memory (default: the daemon's zone_defaults)",
      parse: parsePositiveInt,
    },
    {
      long: "max-memory",
      value: "MiB",
      description: "maximum memory (default: --memory)",
      parse: parsePositiveInt,
    },
    {
      long: "min-memory",
      value: "MiB",
      description: "the least memory the zone may be given (default: --memory)",
      parse: parsePositiveInt,
    },
    {
      long: "min-cpus",
      value: "n",
      description: "the fewest vCPUs the zone may have online (default: 1)",
      parse: parsePositiveInt,
    },
    {
      long: "policy",
      value: "policy",
      choices: ["static", "dynamic"],
      description:
        "static: resources change only when asked; dynamic: protect-orchestrator moves memory and vCPUs within min..max with the zone's use (xen)",
    },
    {
      long: "cpus",
      short: "c",
      value: "n",
      description: "virtual CPUs (default: the daemon's zone_defaults)",
      parse: parsePositiveInt,
    },
    {
      long: "max-cpus",
      value: "n",
      description: "maximum virtual CPUs (default: --cpus)",
      parse: parsePositiveInt,
    },
    {
      long: "backend",
      value: "type",
      description: "guest type (default: daemon.toml [zone_defaults] backend)",
      choices: Object.keys(BACKENDS),
    },
    {
      long: "kernel",
      value: "path|image",
      description: "zone kernel: a file in daemon.toml [xen] kernel_dir, or a kernel image " +
        "(/kernel/image, /kernel/initrd) by OCI reference (default: the host's)",
    },
    {
      long: "initrd",
      value: "path",
      description: "zone initrd: a file in [xen] kernel_dir (default: the kernel image's, " +
        "else the host's)",
    },
    {
      long: "kernel-option",
      value: "opt",
      description: "extra kernel command-line option",
      repeatable: true,
    },
    {
      long: "device",
      value: "name",
      description: "a host device the zone gets as it boots (protect device list; Xen only)",
      repeatable: true,
    },
    { long: "annotation", value: "key=value", description: "annotation", repeatable: true },
    PUBLISH_OPTION,
    {
      long: "network-isolation",
      description: "block traffic between this zone and other zones (published ports still work)",
    },
    { long: "no-network", description: "give the zone only a loopback interface" },
    { long: "hostname", value: "name", description: "the zone's hostname (default: its name)" },
    {
      long: "dns",
      value: "address",
      description: "name server for the zone (default: protect-network's)",
      repeatable: true,
    },
    { long: "dns-search", value: "domain", description: "DNS search domain", repeatable: true },
    {
      long: "sysctl",
      value: "name=value",
      description: "kernel parameter set in the zone (process driver: namespaced ones only)",
      repeatable: true,
    },
    {
      long: "dns-option",
      value: "opt",
      description: "resolver option, e.g. ndots:5",
      repeatable: true,
    },
    {
      long: "no-pool",
      description: "boot a new zone even when protect-orchestrator's warm pool holds one of " +
        "this shape (zone list --pool)",
    },
    { long: "wait", short: "w", description: "wait until the zone is READY (exit 1 if it FAILS)" },
    TIMEOUT_OPTION,
  ],
  async run({ options: o }) {
    const { client, output } = daemonFor(o);
    const name = o.name as string;
    const { zoneId } = await client.createZone({
      spec: {
        name,
        kernel: (o.kernel as string) ?? "",
        initrd: (o.initrd as string) ?? "",
        // Unset: the daemon's [zone_defaults] backend applies.
        backend: o.backend
          ? BACKENDS[o.backend as keyof typeof BACKENDS]
          : HypervisorBackend.UNSPECIFIED,
        resources: {
          targetMemoryMib: BigInt((o.memory as number) ?? 0),
          maxMemoryMib: BigInt((o["max-memory"] as number) ?? 0),
          minMemoryMib: BigInt((o["min-memory"] as number) ?? 0),
          targetCpus: (o.cpus as number) ?? 0,
          maxCpus: (o["max-cpus"] as number) ?? 0,
          minCpus: (o["min-cpus"] as number) ?? 0,
          policy: o.policy === "dynamic"
            ? ResourcePolicy.DYNAMIC
            : o.policy === "static"
            ? ResourcePolicy.STATIC
            : ResourcePolicy.UNSPECIFIED,
        },
        kernelOptions: o["kernel-option"] as string[],
        devices: (o.device as string[]).map((name) => ({ name })),
        annotations: Object.fromEntries(
          (o.annotation as string[]).map((a) => parseKeyValue(a, "--annotation")),
        ),
        network: {
          disabled: Boolean(o["no-network"]),
          isolated: Boolean(o["network-isolation"]),
          publish: publishedPorts(o.publish as string[]),
          dns: {
            servers: o.dns as string[],
            searches: o["dns-search"] as string[],
            options: o["dns-option"] as string[],
          },
        },
        hostname: (o.hostname as string) ?? "",
        sysctls: Object.fromEntries(
          (o.sysctl as string[]).map((a) => parseKeyValue(a, "--sysctl")),
        ),
      },
      noPool: Boolean(o["no-pool"]),
    });
    const status = await client.getHostStatus({});
    if (status.hypervisor?.driver === "fake") {
      console.error(
        "warning: protect-daemon uses the fake hypervisor driver: this zone is simulated, nothing runs in it",
      );
    }
    if (!o.wait) {
      console.log(zoneId);
      return;
    }
    const zone = await waitForZone(client, zoneId, (zone) => {
      if (!zone) return { failed: `zone ${name} vanished while launching` };
      if (zone.status?.state === ZoneState.READY) return "done";
      if (zone.status?.state === ZoneState.FAILED) {
        return { failed: `zone ${name} FAILED: ${zone.status.error}` };
      }
      return "continue";
    }, (o.timeout as number) * 1000);
    if (!zone) throw new CliError("daemon returned no zone", EXIT.failed);
    const pooled = zone.status?.fromPool ? ", claimed from the warm pool" : "";
    if (output === "table") console.log(`zone ${name} READY (${zoneId}${pooled})`);
    else console.log(await render(output, [zone], zoneJson, ZONE_COLUMNS, false));
  },
};
