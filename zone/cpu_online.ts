import { waitForPath } from "../lib/fs/mod.ts";
import { kernelPathExists, readKernelFile, writeKernelFile } from "../xen/mod.ts";
/** Where Linux lists CPUs; overridable for tests. */
export const CPU_SYSFS = "/sys/devices/system/cpu";

/** How long a hot-added vCPU may take to appear in sysfs. */
const APPEAR_MS = 10_000;

/**
 * Brings CPUs 0..count-1 online and the rest offline, as the host asked, and
 * returns how many are online afterwards. Xen hot-adds a vCPU to the guest
 * ("present"); onlining it is the guest's job, which udev would do elsewhere.
 * sysfs goes through libc: Deno opens /sys only under --allow-all (kernel_files.ts).
 */
export async function setOnlineCpus(count: number, sysfs = CPU_SYSFS): Promise<number> {
  if (!Number.isInteger(count) || count < 1 || count > 512) {
    throw new Error(`online_cpus ${count} is out of range (1-512)`);
  }
  for (let cpu = 1; cpu < 512; cpu++) {
    const online = `${sysfs}/cpu${cpu}/online`;
    if (cpu < count) {
      await waitForPath(online, "vCPU", APPEAR_MS, 100, kernelPathExists);
      if (readKernelFile(online).trim() !== "1") writeKernelFile(online, "1");
      continue;
    }
    if (!kernelPathExists(`${sysfs}/cpu${cpu}`)) break; // past the last CPU the zone has
    try {
      if (readKernelFile(online).trim() !== "0") writeKernelFile(online, "0");
    } catch {
      // Xen took the vCPU away already: the kernel removed it (ENODEV). That is the goal.
    }
  }
  return countOnline(readKernelFile(`${sysfs}/online`));
}

/** Counts a sysfs CPU list such as "0-2,4". */
export function countOnline(list: string): number {
  let n = 0;
  for (const part of list.trim().split(",").filter(Boolean)) {
    const [a, b] = part.split("-").map(Number);
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}
