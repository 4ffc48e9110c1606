import { toJson } from "@bufbuild/protobuf";
import { type Device, DeviceSchema } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { type Column, render } from "../cli/output.ts";

const COLUMNS: Column<Device>[] = [
  { header: "NAME", cell: (d) => d.name },
  { header: "KIND", cell: (d) => d.kind },
  { header: "ZONE", cell: (d) => d.claimedByZoneId || "-" },
  { header: "HELD BY", cell: (d) => d.heldBy || "-" },
  { header: "WHAT", cell: (d) => d.description },
];

const DEVICE_ARGS = [
  { name: "zone", description: "zone name or ID" },
  { name: "device", description: "a name from `protect device list` (PCI address or /dev/…)" },
];

export const deviceCommand: CommandSpec = {
  name: "device",
  summary: "host devices zones can be given (PCI functions, block devices) and who holds each",
  commands: [{
    name: "list",
    aliases: ["ls"],
    summary:
      "list the host's PCI functions and block devices, with the zone or host use holding each",
    async run({ options }) {
      const { client, output } = daemonFor(options);
      const { devices } = await client.listDevices({});
      console.log(await render(output, devices, (d) => toJson(DeviceSchema, d), COLUMNS));
    },
  }],
};

/** `protect zone device attach|detach ZONE DEVICE`. */
export const zoneDeviceCommand: CommandSpec = {
  name: "device",
  summary: "give a running zone a host device, or take it back",
  commands: [
    {
      name: "attach",
      summary: "give the zone a device, live (block: a disk in the zone; PCI: passthrough)",
      args: DEVICE_ARGS,
      async run({ args: [zone, device], options }) {
        const { client } = daemonFor(options);
        const { guestPath } = await client.attachZoneDevice({ zone, device });
        console.log(`${device} attached to zone ${zone} as ${guestPath}`);
      },
    },
    {
      name: "detach",
      summary: "take a device back from the zone (refused while a workload mounts it)",
      args: DEVICE_ARGS,
      async run({ args: [zone, device], options }) {
        const { client } = daemonFor(options);
        await client.detachZoneDevice({ zone, device });
        console.log(`${device} detached from zone ${zone}`);
      },
    },
  ],
};
