import { integer, loadOrCreateToml, oneOf, table } from "../../lib/config/mod.ts";
import { LOG_LEVELS, type LogLevel } from "../../lib/log/mod.ts";

export const DRIVER_NAMES = ["fake", "process"] as const;
export type DriverName = typeof DRIVER_NAMES[number];

export interface DaemonConfig {
  logLevel: LogLevel;
  driver: DriverName;
  zoneDefaults: { memoryMib: number; cpus: number };
  /** Fake driver only: simulated boot time, so tests can catch zones mid-launch. */
  fakeBootDelayMs: number;
  /** How long a zone's agent has to connect and report ready. */
  bootTimeoutMs: number;
}

/** Written to daemon.toml on first start; every setting is listed with its default. */
export const DEFAULT_DAEMON_TOML =
  `# protect-daemon configuration. Delete this file to get the defaults back.

[daemon]
# debug, info, warn or error
log_level = "info"
# Hypervisor driver:
#   "fake"    zones are simulated in memory; nothing runs, nothing is isolated (tests)
#   "process" a zone is a namespaced process tree running the real zone agent;
#             NO hardware isolation (development). Start the daemon with the
#             "daemon-process" permission set (tools/launch.ts daemon-process).
#   "xen" comes with the Xen driver.
driver = "fake"

[zone_defaults]
# Used when a zone spec leaves resources at zero.
memory_mib = 512
cpus = 1

[zones]
# How long a zone's agent has to connect and report ready.
boot_timeout_ms = 30000

[fake]
# Simulated time between creating a zone and it becoming READY.
boot_delay_ms = 50
`;

/** Loads daemon.toml (creating it with defaults), naming any bad key. */
export function loadDaemonConfig(path: string): DaemonConfig {
  const doc = loadOrCreateToml(path, DEFAULT_DAEMON_TOML);
  const daemon = table(doc, "daemon", "");
  const defaults = table(doc, "zone_defaults", "");
  const fake = table(doc, "fake", "");
  const zones = table(doc, "zones", "");
  return {
    logLevel: oneOf(daemon, "log_level", "daemon.", LOG_LEVELS, "info"),
    driver: oneOf(daemon, "driver", "daemon.", DRIVER_NAMES, "fake"),
    zoneDefaults: {
      memoryMib: integer(defaults, "memory_mib", "zone_defaults.", 64, 1 << 20, 512),
      cpus: integer(defaults, "cpus", "zone_defaults.", 1, 512, 1),
    },
    fakeBootDelayMs: integer(fake, "boot_delay_ms", "fake.", 0, 600_000, 50),
    bootTimeoutMs: integer(zones, "boot_timeout_ms", "zones.", 1000, 3_600_000, 30_000),
  };
}
