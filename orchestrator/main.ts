/**
 * protect-orchestrator: flags, wiring, signals. The logic lives in orchestrator.ts and below.
 */
import { runDaemonMain } from "../lib/program/mod.ts";
import { startOrchestrator } from "./orchestrator.ts";

if (import.meta.main) {
  await runDaemonMain({
    name: "protect-orchestrator",
    summary: "policy for protect: the metrics endpoint (Prometheus) over the control API",
    rootLayout:
      "DIR/run/protect/orchestrator.sock (serves /metrics), DIR/run/protect/daemon.sock (client), DIR/etc/protect/orchestrator.toml",
    start: startOrchestrator,
  }, Deno.args);
}
