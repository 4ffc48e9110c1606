import { parseSeccompProfile } from "../../lib/seccomp/mod.ts";

/**
 * The default seccomp filter of a workload, after Docker's default profile: every
 * syscall is allowed except those Docker's profile blocks for an unprivileged
 * container (namespaces, keyrings, kernel modules, kexec, mounts, ptrace, BPF,
 * clocks, reboot, …), which fail with EPERM. As in Docker, a capability the workload
 * holds re-allows the syscalls it governs, and a privileged workload has no filter.
 * Written as a deny list (Docker's is an allow list of about 350 calls): what it
 * blocks is the documented list of "significant syscalls blocked by the default profile".
 */

/** Blocked unless the workload has the capability that governs them ("" = always). */
const BLOCKED: Record<string, string[]> = {
  "": [
    "add_key",
    "keyctl",
    "request_key",
    "create_module",
    "get_kernel_syms",
    "query_module",
    "nfsservctl",
    "uselib",
    "userfaultfd",
    "ustat",
    "sysfs",
    "_sysctl",
    "vm86",
    "vm86old",
    "kexec_file_load",
    "kexec_load",
  ],
  CAP_SYS_ADMIN: [
    "bpf",
    "clone3",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "lookup_dcookie",
    "mount",
    "mount_setattr",
    "move_mount",
    "name_to_handle_at",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "quotactl",
    "setns",
    "swapon",
    "swapoff",
    "umount",
    "umount2",
    "unshare",
  ],
  CAP_SYS_MODULE: ["delete_module", "finit_module", "init_module"],
  CAP_SYS_BOOT: ["reboot"],
  CAP_SYS_TIME: ["clock_adjtime", "clock_settime", "settimeofday", "stime"],
  CAP_SYS_PTRACE: ["kcmp", "process_vm_readv", "process_vm_writev", "ptrace"],
  CAP_SYS_RAWIO: ["ioperm", "iopl"],
  CAP_SYS_NICE: ["get_mempolicy", "mbind", "move_pages", "set_mempolicy"],
  CAP_DAC_READ_SEARCH: ["open_by_handle_at"],
  CAP_SYS_PACCT: ["acct"],
};

const EPERM = 1;

/** The OCI `linux.seccomp` for a workload holding `capabilities`. */
export function defaultSeccomp(capabilities: readonly string[]): Record<string, unknown> {
  const held = new Set(capabilities);
  const names = Object.entries(BLOCKED)
    .filter(([cap]) => cap === "" || !held.has(cap))
    .flatMap(([, calls]) => calls)
    .sort();
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"],
    // clone3 gets ENOSYS, not EPERM, so glibc falls back to clone (Docker does the same).
    syscalls: [
      { names: names.filter((n) => n !== "clone3"), action: "SCMP_ACT_ERRNO", errnoRet: EPERM },
      ...(names.includes("clone3")
        ? [{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }]
        : []),
    ],
  };
}

/**
 * The `linux.seccomp` for a workload: `profile` is "" or "default" (the default
 * filter), "unconfined" (none) or an OCI `linux.seccomp` JSON document, checked for
 * shape here so a bad one fails before the runtime sees it.
 */
export function seccompFor(
  profile: string,
  capabilities: readonly string[],
  privileged: boolean,
): Record<string, unknown> | undefined {
  if (profile === "unconfined") return undefined;
  if (profile === "" || profile === "default") {
    return privileged ? undefined : defaultSeccomp(capabilities);
  }
  return parseSeccompProfile(profile);
}
