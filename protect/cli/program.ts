import { PROTECT_VERSION } from "../../lib/version/mod.ts";
import { completionCommand } from "../commands/completion.ts";
import { hostCommand } from "../commands/host.ts";
import { machineCommand } from "../commands/machine.ts";
import { networkCommand } from "../commands/network.ts";
import { imageCommand } from "../commands/image.ts";
import { volumeCommand } from "../commands/volume.ts";
import { deviceCommand } from "../commands/device.ts";
import { workloadCommand } from "../commands/workload.ts";
import { zoneCommand } from "../commands/zone.ts";
import { DEFAULT_SOCKET } from "./client.ts";
import type { CommandSpec } from "./framework/mod.ts";
import { OUTPUT_FORMATS } from "./output.ts";

/** The whole `protect` command tree; main.ts runs it. */
export const program: CommandSpec = {
  name: "protect",
  summary:
    `protect ${PROTECT_VERSION}: containers in Xen zones — VM isolation, container ergonomics`,
  options: [
    {
      long: "socket",
      short: "s",
      value: "path",
      description: `protect-daemon socket (default ${DEFAULT_SOCKET})`,
      env: "PROTECT_SOCKET",
    },
    { long: "root", value: "dir", description: "talk to the daemon started with this --root" },
    {
      long: "output",
      short: "o",
      value: "format",
      description: "output format",
      choices: OUTPUT_FORMATS,
      default: "table",
      env: "PROTECT_OUTPUT",
    },
    { long: "version", short: "V", description: "print the version and exit" },
  ],
  commands: [
    zoneCommand,
    workloadCommand,
    imageCommand,
    volumeCommand,
    deviceCommand,
    hostCommand,
    networkCommand,
    machineCommand,
    completionCommand,
  ],
};
