/**
 * protect-storage: flags, wiring, signals. The logic lives in storage.ts and below.
 */
import { runDaemonMain } from "../lib/program/mod.ts";
import { startStorage } from "./storage.ts";

if (import.meta.main) {
  await runDaemonMain({
    name: "protect-storage",
    summary: "OCI images and scratch disks for protect",
    rootLayout:
      "DIR/run/protect/storage.sock, DIR/var/lib/protect/images/, DIR/etc/protect/storage.toml",
    start: startStorage,
  }, Deno.args);
}
