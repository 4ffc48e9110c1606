/** What every protect daemon's main.ts shares: flags, errors, signals. */
export { type DaemonMain, runDaemonMain } from "./run_daemon_main.ts";
