import { normalize } from "node:path";
import {
  absolutePath,
  integer,
  loadOrCreateToml,
  oneOf,
  stringList,
  table,
  unixGroup,
} from "../../lib/config/mod.ts";
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
  const doc = loadOrCreateToml(path, DEFAULT_DAEMON_TOML);
  const daemon = table(doc, "daemon", "");
  const defaults = table(doc, "zone_defaults", "");
  const fake = table(doc, "fake", "");
  const zones = table(doc, "zones", "");
  const xen = table(doc, "xen", "");
  const shares = table(doc, "shares", "");
  const images = table(doc, "images", "");
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
