/**
 * protect-orchestrator: flags, wiring, signals. The logic lives in orchestrator.ts and below.
 */
import { runDaemonMain } from "../lib/program/mod.ts";
import { startOrchestrator } from "./orchestrator.ts";

if (import.meta.main) {
  await runDaemonMain({
    name: "protect-orchestrator",
    summary:
      "policy for protect over the control API: the metrics endpoint, DYNAMIC zones' memory and vCPUs, declared zones (zones.d), the warm pool ([[pool]] in orchestrator.toml)",
    rootLayout:
      "DIR/run/protect/orchestrator.sock (serves /metrics), DIR/run/protect/daemon.sock (client), DIR/etc/protect/orchestrator.toml, DIR/etc/protect/zones.d/",
    start: startOrchestrator,
  }, Deno.args);
}
