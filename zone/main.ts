/**
 * The zone agent: connects to the host's IDM endpoint and serves it. Under
 * the process driver the endpoint is a Unix socket; the agent reconnects if
 * the daemon restarts, so running zones are re-adopted.
 */
import { parseArgs } from "node:util";
import { createLogger } from "../lib/log/mod.ts";
import { connectUnix } from "../lib/idm/mod.ts";
import { create, toBinary } from "@bufbuild/protobuf";
import { HelloSchema } from "../proto/gen/protect/idm/v1/idm_pb.ts";
import { serveAgent } from "./agent.ts";
import { linuxSystem } from "./bootstrap.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "idm-socket": { type: "string" },
    "zone-id": { type: "string", default: "" },
    "log-file": { type: "string" },
  },
  strict: true,
});
const socket = values["idm-socket"];
if (!socket) {
  console.error("protect-zone-agent: --idm-socket PATH is required");
  Deno.exit(2);
}
// A log file rather than stderr: the agent must outlive the daemon that started it.
const logFile = values["log-file"]
  ? Deno.openSync(values["log-file"], { append: true, create: true })
  : undefined;
const encoder = new TextEncoder();
const log = createLogger("zone-agent", {
  sink: logFile ? (line) => void logFile.writeSync(encoder.encode(line + "\n")) : undefined,
}).with({ zone: values["zone-id"] });

while (true) {
  try {
    const peer = serveAgent(await connectUnix(socket), linuxSystem, log);
    // First packet on the shared endpoint: who we are, with the host's token.
    await peer.sendEvent(
      "hello",
      toBinary(
        HelloSchema,
        create(HelloSchema, {
          zoneId: values["zone-id"],
          token: Deno.env.get("PROTECT_ZONE_TOKEN") ?? "",
        }),
      ),
    );
    log.info("connected to the host", { socket });
    await peer.done;
    log.warn("host went away; reconnecting");
  } catch (e) {
    log.debug("host not reachable yet", { error: e });
  }
  await new Promise((r) => setTimeout(r, 500));
}
