/**
 * protect-network: flags, wiring, signals. The logic lives in network.ts and below.
 */
import { runDaemonMain } from "../lib/program/mod.ts";
import { startNetwork } from "./network.ts";

if (import.meta.main) {
  await runDaemonMain({
    name: "protect-network",
    summary: "zone addresses (IPv4, IPv6, MAC) for protect",
    rootLayout:
      "DIR/run/protect/network.sock, DIR/var/lib/protect/network/, DIR/etc/protect/network.toml",
    start: startNetwork,
  }, Deno.args);
}
