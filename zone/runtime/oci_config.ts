import type { WorkloadStart } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { resolveImageUser } from "./image_user.ts";
import { seccompFor } from "./seccomp_profile.ts";
import { workloadCgroupPath } from "./workload_cgroup.ts";

/** The CFS period cpu.max quotas are measured against (the kernel's default). */
const CPU_PERIOD_US = 100_000;

/** Docker's default capability set: what an unprivileged container gets. */
export const DEFAULT_CAPABILITIES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

const ALL_CAPABILITIES = [
  ...DEFAULT_CAPABILITIES,
  "CAP_SYS_ADMIN",
  "CAP_NET_ADMIN",
  "CAP_SYS_PTRACE",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_TIME",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_NICE",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_LINUX_IMMUTABLE",
  "CAP_DAC_READ_SEARCH",
  "CAP_LEASE",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_CONTROL",
  "CAP_MAC_ADMIN",
  "CAP_MAC_OVERRIDE",
  "CAP_SYS_BOOT",
  "CAP_SYS_PACCT",
  "CAP_SYS_TTY_CONFIG",
  "CAP_AUDIT_READ",
  "CAP_BPF",
  "CAP_PERFMON",
  "CAP_CHECKPOINT_RESTORE",
];

const MASKED_PATHS = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
];
const READONLY_PATHS = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

const capName = (c: string) => {
  const upper = c.toUpperCase();
  return upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
};

function capabilities(spec: WorkloadStart): string[] {
  if (spec.privileged) return ALL_CAPABILITIES;
  const set = new Set(DEFAULT_CAPABILITIES);
  for (const c of spec.addCapabilities) {
    if (!ALL_CAPABILITIES.includes(capName(c))) throw new Error(`unknown capability "${c}"`);
    set.add(capName(c));
  }
  for (const c of spec.dropCapabilities) set.delete(capName(c));
  return [...set];
}

/**
 * The OCI runtime config for a workload: its own PID, mount, IPC and UTS
 * namespaces (the process is PID 1 there), Docker's default capabilities and
 * seccomp filter, masked /proc paths, cgroup limits (memory, pids, cpu.max), the
 * user resolved as Docker does, and the image as its root.
 */
/** Where the zone keeps what a workload's mounts come from. */
export interface ZonePlaces {
  /** The zone's DNS servers, bind-mounted read-only as the workload's /etc/resolv.conf. */
  resolvConf?: string;
  /** The image's /etc/passwd and /etc/group ("" when it has none), to resolve `spec.user`. */
  accounts?: { passwd: string; group: string };
  /** Where the host's copies for `spec.binds` were written (one directory or file per mount). */
  copies?: string;
  /** Where the zone mounted its volumes (one directory per volume name). */
  volumes?: string;
  /** For each of `spec.share_binds`, its source in the zone's mounted shares. */
  shareSources?: string[];
}

export function ociConfig(
  spec: WorkloadStart,
  rootfs: string,
  hostname: string,
  zone: ZonePlaces = {},
): Record<string, unknown> {
  const { resolvConf, copies = "", volumes = "", shareSources = [] } = zone;
  const accounts = zone.accounts ?? { passwd: "", group: "" };
  if (shareSources.length !== spec.shareBinds.length) {
    throw new Error("every share bind needs its source in the zone");
  }
  if (spec.args.length === 0) {
    throw new Error("workload has no command (args empty, image has none)");
  }
  const caps = capabilities(spec);
  const resources: Record<string, unknown> = {};
  if (spec.memoryLimitBytes > 0n) resources.memory = { limit: Number(spec.memoryLimitBytes) };
  if (spec.pidsLimit > 0) resources.pids = { limit: spec.pidsLimit };
  // cgroup v2 runtimes turn shares into cpu.weight.
  if (spec.cpuShares > 0n) resources.cpu = { shares: Number(spec.cpuShares) };
  if (spec.cpuMillis > 0) {
    // cpu.max "quota period": millicores of one 100 ms period.
    resources.cpu = {
      ...(resources.cpu as object),
      quota: spec.cpuMillis * CPU_PERIOD_US / 1000,
      period: CPU_PERIOD_US,
    };
  }
  const resolved = resolveImageUser(spec.user, accounts.passwd, accounts.group);
  const { uid, gid } = resolved;
  const additionalGids = [...new Set([...resolved.additionalGids, ...spec.supplementalGroups])];
  const env = spec.env.length
    ? [...spec.env]
    : ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
  // As Docker does: the workload knows its hostname unless it was given one.
  if (!env.some((e) => e.startsWith("HOSTNAME="))) env.push(`HOSTNAME=${hostname}`);
  const seccomp = seccompFor(spec.seccomp, caps, spec.privileged);
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: spec.tty,
      user: additionalGids.length ? { uid, gid, additionalGids } : { uid, gid },
      args: spec.args,
      env,
      cwd: spec.workingDirectory || "/",
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: !spec.privileged && !spec.allowPrivilegeEscalation,
      ...(spec.oomScoreAdj !== 0 && { oomScoreAdj: spec.oomScoreAdj }),
    },
    root: { path: rootfs, readonly: spec.readOnlyRootFilesystem },
    hostname,
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
      },
      {
        destination: "/dev/shm",
        type: "tmpfs",
        source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
      },
      {
        destination: "/dev/mqueue",
        type: "mqueue",
        source: "mqueue",
        options: ["nosuid", "noexec", "nodev"],
      },
      {
        destination: "/sys",
        type: "sysfs",
        source: "sysfs",
        options: ["nosuid", "noexec", "nodev", "ro"],
      },
      {
        destination: "/tmp",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "nodev", "mode=1777"],
      },
      // Host directories arrive as copies: bound read-only, as the API promises.
      ...spec.binds.map((b) => ({
        destination: b.destination,
        type: "bind",
        source: `${copies}/${b.mount}`,
        options: ["rbind", "ro", "nosuid", "nodev"],
      })),
      // Host directories inside a zone share: live, and writable unless the mount says not.
      ...spec.shareBinds.map((b, i) => ({
        destination: b.destination,
        type: "bind",
        source: shareSources[i],
        options: ["rbind", b.readOnly ? "ro" : "rw", "nosuid", "nodev"],
      })),
      // Volumes are mounted once per zone and shared live by the workloads that name them.
      ...spec.volumes.map((v) => ({
        destination: v.destination,
        type: "bind",
        source: `${volumes}/${v.name}`,
        options: ["rbind", v.readOnly ? "ro" : "rw", "nosuid", "nodev"],
      })),
      ...spec.tmpfs.map((t) => ({
        destination: t.destination,
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "nodev", "mode=1777", ...(t.readOnly ? ["ro"] : [])],
      })),
      ...(resolvConf
        ? [{
          destination: "/etc/resolv.conf",
          type: "bind",
          source: resolvConf,
          options: ["rbind", "ro", "nosuid", "nodev", "noexec"],
        }]
        : []),
    ],
    linux: {
      namespaces: [
        ...(spec.shareZonePid ? [] : [{ type: "pid" }]),
        ...(spec.shareZoneIpc ? [] : [{ type: "ipc" }]),
        { type: "uts" },
        { type: "mount" },
      ],
      cgroupsPath: workloadCgroupPath(spec.workloadId),
      resources,
      maskedPaths: spec.customMaskedPaths ? spec.maskedPaths : spec.privileged ? [] : MASKED_PATHS,
      readonlyPaths: spec.customReadonlyPaths
        ? spec.readonlyPaths
        : spec.privileged
        ? []
        : READONLY_PATHS,
      ...(seccomp && { seccomp }),
    },
  };
}
