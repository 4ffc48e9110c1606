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
import { type AgentState, HostLink, serveAgent } from "./agent.ts";
import { WorkloadRunner } from "./runtime/workload_runner.ts";
import { linuxSystem } from "./bootstrap.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "idm-socket": { type: "string" },
    "zone-id": { type: "string", default: "" },
    "log-file": { type: "string" },
    "work-dir": { type: "string" },
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

// Workloads live on a tmpfs private to this zone's mount namespace.
const workDir = values["work-dir"];
let runner: WorkloadRunner | undefined;
const link = new HostLink();
const state: AgentState = { hostname: "zone" };
if (workDir) {
  Deno.mkdirSync(workDir, { recursive: true });
  const mounted = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "mode=0700", "zone-work", workDir],
  })
    .output();
  if (!mounted.success) log.error("could not mount the zone's work tmpfs", { dir: workDir });
  runner = new WorkloadRunner(workDir, () => state.hostname, link, log);
}

while (true) {
  try {
    const peer = serveAgent(await connectUnix(socket), linuxSystem, log, runner, state);
    link.peer = peer;
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
