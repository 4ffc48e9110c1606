import { join } from "node:path";
import { listKernelDir, readKernelFile, readKernelLink } from "../../xen/mod.ts";

/** A device of this host that could be given to a zone, as sysfs shows it. */
export interface HostDevice {
  /** A PCI address ("0000:00:04.0") or a block device's path ("/dev/vda"). */
  name: string;
  kind: "pci" | "block";
  /** What it is: vendor:device and class, or size. */
  description: string;
  /** Why the host keeps it ("" when it can be given): mounted, a partition in use, a driver. */
  heldBy: string;
}

/** The host's view the scan reads; tests pass a fake tree. */
export interface SysfsRoots {
  /** /sys */
  sys: string;
  /** /proc/self/mountinfo's text and /proc/swaps' text. */
  mountinfo: () => string;
  swaps: () => string;
}

/** The host itself, through libc: Deno opens /proc and /sys only under --allow-all. */
export const HOST_SYSFS: SysfsRoots = {
  sys: "/sys",
  mountinfo: () => readKernelFile("/proc/self/mountinfo"),
  swaps: () => readKernelFile("/proc/swaps"),
};

/** xen-pciback's driver name: a device bound to it is assignable to guests. */
export const PCIBACK_DRIVER = "pciback";
/** Never shown: loop, ram, zram, device-mapper, optical, Xen's own frontends in a guest. */
const HIDDEN_BLOCK = /^(loop|ram|zram|dm-|sr|md|nbd|xvd)/;
const PCI_BRIDGE_CLASS = 0x06;

const readTrimmed = (path: string) => {
  try {
    return readKernelFile(path).trim();
  } catch {
    return "";
  }
};

const linkName = (path: string) => readKernelLink(path)?.split("/").pop() ?? "";

/**
 * PCI functions other than bridges. Bound to xen-pciback or to no driver: assignable (a
 * driverless one is bound to xen-pciback at attach). Bound to another driver: held by the
 * host, which must unbind it first.
 */
export function pciDevices(roots: SysfsRoots = HOST_SYSFS): HostDevice[] {
  const dir = join(roots.sys, "bus/pci/devices");
  const entries = safeDir(dir).sort();
  const out: HostDevice[] = [];
  for (const address of entries) {
    const base = join(dir, address);
    const cls = parseInt(readTrimmed(join(base, "class")) || "0", 16);
    if (cls >> 16 === PCI_BRIDGE_CLASS) continue;
    const vendor = readTrimmed(join(base, "vendor")).replace(/^0x/, "");
    const device = readTrimmed(join(base, "device")).replace(/^0x/, "");
    const driver = linkName(join(base, "driver"));
    out.push({
      name: address,
      kind: "pci",
      description: `${vendor}:${device} class ${cls.toString(16).padStart(6, "0")}` +
        (driver ? `, driver ${driver}` : ", no driver"),
      heldBy: driver === "" || driver === PCIBACK_DRIVER
        ? ""
        : `host driver ${driver} (unbind it, or bind the device to xen-pciback)`,
    });
  }
  return out;
}

/** Whole disks and partitions; one in use by the host (mounted, swap, a holder) is held. */
export function blockDevices(roots: SysfsRoots = HOST_SYSFS): HostDevice[] {
  const dir = join(roots.sys, "class/block");
  const names = safeDir(dir).filter((n) => !HIDDEN_BLOCK.test(n)).sort();
  const mounted = mountedDevices(roots.mountinfo());
  const swaps = new Set(
    roots.swaps().split("\n").slice(1).map((l) => l.split(/\s+/)[0]).filter(Boolean),
  );
  const use = (name: string): string => {
    const base = join(dir, name);
    const numbers = readTrimmed(join(base, "dev"));
    const where = mounted.get(numbers);
    if (where) return `host: mounted at ${where}`;
    if (swaps.has(`/dev/${name}`)) return "host: swap";
    const holders = [...safeDir(join(base, "holders"))];
    if (holders.length > 0) return `host: held by ${holders.join(", ")}`;
    return "";
  };
  const out: HostDevice[] = [];
  for (const name of names) {
    const base = join(dir, name);
    let held = use(name);
    // A disk one of whose partitions is in use is in use.
    for (const part of safeDir(base).filter((p) => p.startsWith(name) && p !== name)) {
      const partUse = use(part);
      if (partUse && !held) held = `${partUse} (partition ${part})`;
    }
    const sectors = Number(readTrimmed(join(base, "size")) || "0");
    if (sectors === 0) continue; // an empty slot (a card reader, a detached loop)
    out.push({
      name: `/dev/${name}`,
      kind: "block",
      description: `${formatSize(sectors * 512)}${
        readTrimmed(join(base, "ro")) === "1" ? ", read-only" : ""
      }`,
      heldBy: held,
    });
  }
  return out;
}

/** "major:minor" → mount point, from /proc/self/mountinfo (field 3 is the device numbers). */
function mountedDevices(mountinfo: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of mountinfo.split("\n")) {
    const f = line.split(" ");
    if (f.length > 4 && !out.has(f[2])) out.set(f[2], f[4]);
  }
  return out;
}

function safeDir(path: string): string[] {
  try {
    return listKernelDir(path);
  } catch {
    return [];
  }
}

function formatSize(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
