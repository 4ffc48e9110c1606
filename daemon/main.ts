/**
 * protect-daemon: flags, wiring, signals. The logic lives in daemon.ts and below.
 */
import { runDaemonMain } from "../lib/program/mod.ts";
import { startDaemon } from "./daemon.ts";

if (import.meta.main) {
  await runDaemonMain({
    name: "protect-daemon",
    summary: "zone and workload lifecycle for protect",
    rootLayout:
      "DIR/run/protect/daemon.sock, DIR/var/lib/protect/protect.db, DIR/etc/protect/daemon.toml",
    start: startDaemon,
  }, Deno.args);
}
