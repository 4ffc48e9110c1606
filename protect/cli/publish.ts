import { PortProtocol } from "../../proto/mod.ts";
import type { OptionSpec } from "./framework/mod.ts";
import { parsePublish } from "./parse.ts";

/** -p/--publish, shared by `zone launch` and `workload launch`. */
export const PUBLISH_OPTION: OptionSpec = {
  long: "publish",
  short: "p",
  value: "HOST:ZONE[/tcp|udp]",
  description: "forward a host port to the zone (needs protect-network)",
  repeatable: true,
};

/** The --publish flags as the API's PortPublish list. */
export function publishedPorts(flags: string[]) {
  return flags.map((text) => {
    const { hostPort, zonePort, protocol } = parsePublish(text, "--publish");
    return {
      hostPort,
      zonePort,
      protocol: protocol === "udp" ? PortProtocol.UDP : PortProtocol.TCP,
    };
  });
}
