import { normalize } from "node:path";
import {
  absolutePath,
  integer,
  loadOrCreateToml,
  oneOf,
  onlyKeys,
  stringList,
  table,
  unixGroup,
} from "../../lib/config/mod.ts";
import { DEFAULT_IDM_POLICY, type IdmPolicyConfig, idmPolicyProblem } from "../idm/idm_policy.ts";
import { DEFAULT_IDM_LIMITS, type IdmLimitsConfig } from "../idm/idm_rate_limits.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { LOG_LEVELS, type LogLevel } from "../../lib/log/mod.ts";
import { HypervisorBackend } from "../../proto/mod.ts";

export const DRIVER_NAMES = ["fake", "process", "xen"] as const;
const BACKEND_NAMES = ["auto", "pv", "pvh"] as const;
const BACKENDS = {
  auto: HypervisorBackend.AUTO,
  pv: HypervisorBackend.PV,
  pvh: HypervisorBackend.PVH,
} as const;
export type DriverName = typeof DRIVER_NAMES[number];
export const IMAGE_FORMATS = ["squashfs", "erofs"] as const;
export type ImageFormatName = typeof IMAGE_FORMATS[number];

export interface DaemonConfig {
  logLevel: LogLevel;
  driver: DriverName;
  /** Members of this group may use daemon.sock (root:GROUP 0660); root only if it is missing. */
  socketGroup: string;
  zoneDefaults: { memoryMib: number; cpus: number; backend: HypervisorBackend };
  /** Fake driver only: simulated boot time, so tests can catch zones mid-launch. */
  fakeBootDelayMs: number;
  /** How long a zone's agent has to connect and report ready. */
  bootTimeoutMs: number;
  /** How workload images are packed for zones unless a workload asks otherwise. */
  imageFormat: ImageFormatName;
  /**
   * Where zone shares may come from, besides protect's host-mounts directory (which always
   * may). Each must be in the daemon's read grant too (deno.json).
   */
  shareRoots: string[];
  /** Which IDM message types zones may send ([idm]). */
  idm: IdmPolicyConfig;
  /** How much of each kind a zone may send over IDM per second ([idm.limits]). */
  idmLimits: IdmLimitsConfig;
  /** Xen driver: the files every zone boots from, and where Xen's tools log. */
  xen: {
    kernel: string;
    /** Zone kernels and initrds given as host paths must lie inside it. */
    kernelDir: string;
    initrd: string;
    addons: string;
    hotplugScript: string;
    vifScript: string;
    consoleLogDir: string;
  };
}

/** The [xen] defaults: the layout the lab and the packaged dom0 install use. */
export const DEFAULT_XEN_CONFIG: DaemonConfig["xen"] = {
  kernel: "/var/lib/protect/xen/zone-vmlinux",
  kernelDir: "/var/lib/protect/xen",
  initrd: "/var/lib/protect/xen/zone-initrd.cpio.gz",
  addons: "/var/lib/protect/xen/addons.sqfs",
  hotplugScript: "/etc/protect/xen/block-protect",
  vifScript: "/etc/protect/xen/vif-protect",
  consoleLogDir: "/var/log/xen/console",
};

/** kubelet's pod directories: what protect-cri shares with a pod's zone. */
export const DEFAULT_SHARE_ROOTS = ["/var/lib/kubelet/pods"];

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
#   "xen"     each zone is a Xen guest with its own kernel (dom0 only). Start
#             the daemon with the "daemon-xen" permission set.
driver = "fake"
# Members of this group may drive protect through daemon.sock (root:GROUP, 0660). When the
# group does not exist, only root may (0600): groupadd --system protect.
socket_group = "protect"

[zone_defaults]
# Used when a zone spec leaves resources at zero.
memory_mib = 512
cpus = 1
# Xen guest type when a zone spec names none: "auto" (PVH where Xen reports hvm, else PV),
# "pv" or "pvh" (needs Xen to report hvm: VT-x/AMD-V).
backend = "auto"

[zones]
# How long a zone's agent has to connect and report ready.
boot_timeout_ms = 30000

[images]
# How workload images are packed for zones: "squashfs" or "erofs" (mkfs.erofs, from
# erofs-utils). A workload may ask for the other (workload launch --image-format).
format = "squashfs"

[shares]
# Host directories a zone may be given live (zone spec shares, 9pfs on Xen), besides
# /var/lib/protect/mounts. kubelet's pod directories are here for protect-cri. A root added
# here must also be in the daemon's read grant (deno.json "permissions").
roots = ["/var/lib/kubelet/pods"]

[idm]
# The IDM message types a zone may send on its own (events, requests, streams); anything else
# is dropped, counted, logged and shown by idm-snoop. The default is what the agent sends.
allow = ["ready", "workload.output", "workload.exit", "zone.memory"]
# Per-zone exceptions, in order: by zone name or by annotation ("key=value"), e.g.
# [[idm.rules]]
# annotation = "protect.dev/tier=untrusted"
# deny = ["zone.memory"]

[idm.limits]
# Per zone: what its agent may send, sustained per second and as a burst above that. A zone
# over a limit is throttled (its channel is read no faster than the limit, so nothing is
# lost and its writes wait), logged, and counted (host metrics: idm_throttled_seconds).
# Workload output, in bytes:
logs_per_s = ${DEFAULT_IDM_LIMITS.logs.perSecond}
logs_burst = ${DEFAULT_IDM_LIMITS.logs.burst}
# Events (workload exits and any other message but memory reports), in messages:
events_per_s = ${DEFAULT_IDM_LIMITS.events.perSecond}
events_burst = ${DEFAULT_IDM_LIMITS.events.burst}
# Memory reports, in messages:
metrics_per_s = ${DEFAULT_IDM_LIMITS.metrics.perSecond}
metrics_burst = ${DEFAULT_IDM_LIMITS.metrics.burst}

[fake]
# Simulated time between creating a zone and it becoming READY.
boot_delay_ms = 50

[xen]
# Built by tests/xen/lab/build_zone_files.sh (see docs/xen.md).
# Uncompressed kernel: loading a vmlinux is much faster than a bzImage.
kernel = "/var/lib/protect/xen/zone-vmlinux"
# A zone spec's kernel or initrd given as a host path must lie inside this directory (the
# daemon must be able to read it); a kernel may also be an OCI reference to a kernel image.
kernel_dir = "/var/lib/protect/xen"
initrd = "/var/lib/protect/xen/zone-initrd.cpio.gz"
# Read-only squashfs shared by every zone: Deno, the zone agent, crun and runc.
addons = "/var/lib/protect/xen/addons.sqfs"
# libxl hotplug script for file-backed disks (the stock one times out under libxl).
hotplug_script = "/etc/protect/xen/block-protect"
# libxl hotplug script for zone vifs: names the vif "pz…"; protect-network configures it.
vif_script = "/etc/protect/xen/vif-protect"
# Where xenconsoled writes guest consoles (xenconsoled --log=guest --log-dir=...).
console_log_dir = "/var/log/xen/console"
`;

/** Loads daemon.toml (creating it with defaults), naming any bad key. */
export function loadDaemonConfig(path: string): DaemonConfig {
  const doc = loadOrCreateToml(path, DEFAULT_DAEMON_TOML, ["idm.rules"]);
  const daemon = table(doc, "daemon", "");
  const defaults = table(doc, "zone_defaults", "");
  const fake = table(doc, "fake", "");
  const zones = table(doc, "zones", "");
  const xen = table(doc, "xen", "");
  const shares = table(doc, "shares", "");
  const images = table(doc, "images", "");
  const idm = idmPolicy(table(doc, "idm", ""));
  return {
    logLevel: oneOf(daemon, "log_level", "daemon.", LOG_LEVELS, "info"),
    driver: oneOf(daemon, "driver", "daemon.", DRIVER_NAMES, "fake"),
    socketGroup: unixGroup(daemon, "socket_group", "daemon.", "protect"),
    zoneDefaults: {
      memoryMib: integer(defaults, "memory_mib", "zone_defaults.", 64, 1 << 20, 512),
      cpus: integer(defaults, "cpus", "zone_defaults.", 1, 512, 1),
      backend: BACKENDS[oneOf(defaults, "backend", "zone_defaults.", BACKEND_NAMES, "auto")],
    },
    fakeBootDelayMs: integer(fake, "boot_delay_ms", "fake.", 0, 600_000, 50),
    bootTimeoutMs: integer(zones, "boot_timeout_ms", "zones.", 1000, 3_600_000, 30_000),
    imageFormat: oneOf(images, "format", "images.", IMAGE_FORMATS, "squashfs"),
    shareRoots: shareRoots(shares),
    idm,
    idmLimits: idmLimits(table(table(doc, "idm", ""), "limits", "idm.")),
    xen: {
      kernel: absolutePath(xen, "kernel", "xen.", DEFAULT_XEN_CONFIG.kernel),
      kernelDir: absolutePath(xen, "kernel_dir", "xen.", DEFAULT_XEN_CONFIG.kernelDir),
      initrd: absolutePath(xen, "initrd", "xen.", DEFAULT_XEN_CONFIG.initrd),
      addons: absolutePath(xen, "addons", "xen.", DEFAULT_XEN_CONFIG.addons),
      hotplugScript: absolutePath(
        xen,
        "hotplug_script",
        "xen.",
        DEFAULT_XEN_CONFIG.hotplugScript,
      ),
      vifScript: absolutePath(xen, "vif_script", "xen.", DEFAULT_XEN_CONFIG.vifScript),
      consoleLogDir: absolutePath(xen, "console_log_dir", "xen.", DEFAULT_XEN_CONFIG.consoleLogDir),
    },
  };
}

const MESSAGE_TYPE = /^[a-z][a-z0-9._-]{0,63}$/;

function messageTypes(t: Record<string, unknown>, key: string, where: string): string[] {
  const types = stringList(t, key, where);
  const bad = types.find((m) => !MESSAGE_TYPE.test(m));
  if (bad !== undefined) {
    throw new InvalidArgumentError(`${where}${key}`, `"${bad}" is not an IDM message type`);
  }
  return types;
}

/** [idm.limits]: a rate and a burst per kind; a burst below its rate would throttle every second. */
function idmLimits(t: Record<string, unknown>): IdmLimitsConfig {
  const rate = (kind: keyof IdmLimitsConfig) => {
    const perSecond = integer(
      t,
      `${kind}_per_s`,
      "idm.limits.",
      1,
      2 ** 40,
      DEFAULT_IDM_LIMITS[kind].perSecond,
    );
    const burst = integer(
      t,
      `${kind}_burst`,
      "idm.limits.",
      1,
      2 ** 42,
      DEFAULT_IDM_LIMITS[kind].burst,
    );
    if (burst < perSecond) {
      throw new InvalidArgumentError(
        `idm.limits.${kind}_burst`,
        `must be at least ${kind}_per_s (${perSecond})`,
      );
    }
    return { perSecond, burst };
  };
  return { logs: rate("logs"), events: rate("events"), metrics: rate("metrics") };
}

/** [idm]: allow, and [[idm.rules]] of zone or annotation with allow and deny. */
function idmPolicy(idm: Record<string, unknown>): IdmPolicyConfig {
  const rules = idm.rules ?? [];
  if (!Array.isArray(rules)) {
    throw new InvalidArgumentError("idm.rules", "must be [[idm.rules]] tables");
  }
  const config: IdmPolicyConfig = {
    allow: "allow" in idm ? messageTypes(idm, "allow", "idm.") : [...DEFAULT_IDM_POLICY.allow],
    rules: rules.map((r, i) => {
      const where = `idm.rules[${i}].`;
      const rule = table({ r }, "r", where.slice(0, -1));
      onlyKeys(rule, ["zone", "annotation", "allow", "deny"], where);
      const zone = rule.zone;
      if (zone !== undefined && typeof zone !== "string") {
        throw new InvalidArgumentError(`${where}zone`, "must be a zone name");
      }
      const annotation = rule.annotation;
      if (
        annotation !== undefined && (typeof annotation !== "string" || !annotation.includes("="))
      ) {
        throw new InvalidArgumentError(`${where}annotation`, 'must be "key=value"');
      }
      if (zone === undefined && annotation === undefined) {
        throw new InvalidArgumentError(where.slice(0, -1), "needs zone or annotation");
      }
      const at = (annotation as string | undefined)?.indexOf("=") ?? -1;
      return {
        zone: zone as string | undefined,
        annotation: annotation === undefined ? undefined : {
          key: (annotation as string).slice(0, at),
          value: (annotation as string).slice(at + 1),
        },
        allow: messageTypes(rule, "allow", where),
        deny: messageTypes(rule, "deny", where),
      };
    }),
  };
  const problem = idmPolicyProblem(config);
  if (problem) {
    throw new InvalidArgumentError(problem.split(":")[0], problem.slice(problem.indexOf(":") + 2));
  }
  return config;
}

/** [shares] roots: absolute, normalised directories ("/" would share the whole host). */
function shareRoots(shares: Record<string, unknown>): string[] {
  const roots = "roots" in shares ? stringList(shares, "roots", "shares.") : DEFAULT_SHARE_ROOTS;
  for (const root of roots) {
    if (!root.startsWith("/") || root === "/" || normalize(root) !== root || root.endsWith("/")) {
      throw new InvalidArgumentError(
        "shares.roots",
        `"${root.slice(0, 80)}" must be an absolute, normalised directory other than /`,
      );
    }
  }
  return roots;
}
