import { integer, loadOrCreateToml, oneOf, table, unixGroup } from "../../lib/config/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { LOG_LEVELS, type LogLevel } from "../../lib/log/mod.ts";
import { parsePoolShapes, type PoolShape } from "../pool/mod.ts";

export interface OrchestratorConfig {
  logLevel: LogLevel;
  /** Members of this group may read orchestrator.sock (root:GROUP, 0660). */
  socketGroup: string;
  /** Loopback TCP address /metrics is also served on, for Prometheus; undefined: socket only. */
  metricsAddress?: { hostname: string; port: number };
  /** The DYNAMIC resource policy's loop. */
  resources: { intervalMs: number; reserveMib: number };
  /** How often zones.d is looked at, and how long a declared zone may take to boot. */
  declared: { intervalMs: number; bootTimeoutMs: number };
  /** The warm pool's shapes ([[pool]]); none: no pool. */
  pool: PoolShape[];
}

/** Written to orchestrator.toml on first start; every setting listed with its default. */
export const DEFAULT_ORCHESTRATOR_TOML =
  `# protect-orchestrator configuration. Delete this file to get the defaults back.

[orchestrator]
# debug, info, warn or error
log_level = "info"
# Members of this group may read /run/protect/orchestrator.sock (root:GROUP, 0660); without
# the group, only root may (0600): groupadd --system protect.
socket_group = "protect"

[metrics]
# /metrics (Prometheus text) is always served on /run/protect/orchestrator.sock, which
# \`protect host metrics\` reads. Set a loopback address ("127.0.0.1:9464", "[::1]:9464") to
# serve it over TCP too, for a Prometheus on this host; "" serves the socket only. Other
# addresses are refused: the figures name every zone, so expose them through a proxy of yours.
address = ""

[resources]
# Zones launched with the DYNAMIC policy (zone launch --policy dynamic) have their memory
# target and online vCPUs moved within their min..max by a loop that looks every interval_ms.
interval_ms = 1000
# Host memory (MiB) never given to zones by the policy.
reserve_mib = 256

[declared]
# Zones declared in /etc/protect/zones.d/*.toml (docs/orchestrator.md) are kept running: looked
# at every interval_ms; a zone that is not READY within boot_timeout_ms counts as failed.
interval_ms = 2000
boot_timeout_ms = 300000

# The warm pool (docs/orchestrator.md): zones booted ahead of need, one [[pool]] table per
# shape. A \`zone launch\` (or the CRI's RunPodSandbox) of the same shape claims a pool zone
# instead of booting one: it gets its name, network and hostname and is READY in about a
# second; the pool then boots a replacement (one pool zone at a time). Each pool zone holds
# its memory while it waits (\`zone list --pool\`, \`zone top\`). No [[pool]] table: no pool;
# size = 0 turns a shape off and destroys its zones. Settings left out (or 0, "") are the
# daemon's [zone_defaults], as for \`zone launch\` without the flag, so the shape below is
# what a plain \`protect zone launch -n NAME\` asks for.
#
# [[pool]]
# name = "default"       # pool zones are named pool-default-XXXXXXXX
# size = 1
#
# Shape settings, each optional, as in a zones.d declaration: memory_mib, min_memory_mib,
# max_memory_mib (zone launch --memory …), cpus, min_cpus, max_cpus, policy ("static" or
# "dynamic"), backend ("auto", "pv" or "pvh"), kernel, initrd, kernel_options (a list), and
# network = false for launches with --no-network.
`;

const LOOPBACK = ["127.0.0.1", "::1", "localhost"];

/** "host:port" or "[v6]:port" on loopback, or "" for none. */
export function parseMetricsAddress(value: unknown): OrchestratorConfig["metricsAddress"] {
  const where = "metrics.address";
  if (typeof value !== "string") throw new InvalidArgumentError(where, "must be a string");
  if (value === "") return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) throw new InvalidArgumentError(where, `"${value}" is not host:port (or [v6]:port)`);
  const hostname = m[1] ?? m[2];
  const port = Number(m[3]);
  if (!LOOPBACK.includes(hostname)) {
    throw new InvalidArgumentError(
      where,
      `${hostname} is not a loopback address (${LOOPBACK.join(", ")}); the figures name every zone`,
    );
  }
  if (port < 1 || port > 65535) throw new InvalidArgumentError(where, "port must be 1 to 65535");
  return { hostname, port };
}

/** Loads orchestrator.toml (creating it with defaults), naming any bad or unknown key. */
export function loadOrchestratorConfig(path: string): OrchestratorConfig {
  const doc = loadOrCreateToml(path, DEFAULT_ORCHESTRATOR_TOML, ["pool"]);
  const orchestrator = table(doc, "orchestrator", "");
  const metrics = table(doc, "metrics", "");
  const resources = table(doc, "resources", "");
  const declared = table(doc, "declared", "");
  return {
    logLevel: oneOf(orchestrator, "log_level", "orchestrator.", LOG_LEVELS, "info"),
    socketGroup: unixGroup(orchestrator, "socket_group", "orchestrator.", "protect"),
    metricsAddress: parseMetricsAddress(metrics.address ?? ""),
    resources: {
      intervalMs: integer(resources, "interval_ms", "resources.", 200, 60_000, 1000),
      reserveMib: integer(resources, "reserve_mib", "resources.", 0, 1 << 20, 256),
    },
    declared: {
      intervalMs: integer(declared, "interval_ms", "declared.", 200, 600_000, 2000),
      bootTimeoutMs: integer(declared, "boot_timeout_ms", "declared.", 1000, 3_600_000, 300_000),
    },
    pool: parsePoolShapes(doc.pool),
  };
}
