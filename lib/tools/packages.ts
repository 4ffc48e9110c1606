/**
 * The one list of the Debian packages protect needs, what each gives us and for
 * which purpose. `tools/deps.ts` installs from it; the programs name a package
 * from it when a tool they spawn is missing. Nothing else lists packages.
 */

/** What a package is needed for: `bash tools/deps.sh PURPOSE`. */
export type Purpose = "demo" | "test" | "lab" | "bench" | "host";

export const PURPOSES: Record<Purpose, string> = {
  demo: "the main job (tools/demo.sh: process-driver zones, a local registry)",
  test: "the test command (./denow task test)",
  lab: "the Xen lab and protect machine (Xen and Debian under QEMU)",
  bench: "the benchmarks (./denow task bench)",
  host: "a Xen host running the installed daemons",
};

export interface DebianPackage {
  name: string;
  /** Commands it puts on PATH (or absolute paths), looked for to tell whether it is there. */
  provides: string[];
  why: string;
  for: Purpose[];
}

export const PACKAGES: readonly DebianPackage[] = [
  {
    name: "docker-registry",
    provides: ["docker-registry"],
    why: "a real OCI registry on loopback",
    for: ["demo", "test"],
  },
  {
    name: "busybox-static",
    provides: ["/bin/busybox"],
    why: "the contents of the project's test image",
    for: ["demo", "test", "lab", "bench"],
  },
  {
    name: "runc",
    provides: ["runc"],
    why: "the OCI runtime of process-driver zones",
    for: ["demo", "test", "bench"],
  },
  {
    name: "util-linux",
    provides: ["unshare", "blkid", "blockdev"],
    why: "unshare for process-driver zones; blkid and blockdev for volumes on block devices",
    for: ["demo", "test", "host"],
  },
  {
    name: "procps",
    provides: ["ps", "kill", "sysctl"],
    why: "ps, kill and sysctl for zones and links",
    for: ["demo", "test", "host"],
  },
  {
    name: "squashfs-tools",
    provides: ["mksquashfs"],
    why: "image packing",
    for: ["demo", "test", "lab", "host"],
  },
  {
    name: "e2fsprogs",
    provides: ["mkfs.ext4"],
    why: "scratch disks",
    for: ["demo", "test", "host"],
  },
  {
    name: "attr",
    provides: ["setfattr"],
    why: "overlay whiteouts in packed images",
    for: ["demo", "test", "host"],
  },
  {
    name: "tmux",
    provides: ["tmux"],
    why: "a terminal for the test of `protect zone top`",
    for: ["test"],
  },
  {
    name: "prometheus",
    provides: ["promtool"],
    why: "promtool, which checks the metrics endpoint's output (the package's server is not used)",
    for: ["test"],
  },
  {
    name: "erofs-utils",
    provides: ["mkfs.erofs"],
    why: "erofs image packing (daemon.toml [images] format)",
    for: ["demo", "test", "bench", "host"],
  },
  {
    name: "skopeo",
    provides: ["skopeo"],
    why: "real OCI-layout and docker-save archives",
    for: ["test", "bench"],
  },
  { name: "umoci", provides: ["umoci"], why: "the image bench's reference", for: ["bench"] },
  {
    name: "containerd",
    provides: ["containerd"],
    why: "the CRI bench's reference (containerd 1.6 with runc)",
    for: ["bench"],
  },
  {
    name: "iproute2",
    provides: ["ip"],
    why: "zone links for protect-network",
    for: ["test", "host"],
  },
  {
    name: "nftables",
    provides: ["nft"],
    why: "zone firewall and NAT for protect-network",
    for: ["test", "host"],
  },
  {
    name: "mount",
    provides: ["mount", "losetup"],
    why: "mount and loop devices for zone disks",
    for: ["demo", "test", "host"],
  },
  {
    name: "qemu-system-x86",
    provides: ["qemu-system-x86_64"],
    why: "boots Xen and dom0",
    for: ["lab"],
  },
  { name: "debootstrap", provides: ["debootstrap"], why: "the dom0 root", for: ["lab"] },
  { name: "cpio", provides: ["cpio"], why: "the dom0 and zone initramfs", for: ["lab"] },
  { name: "xz-utils", provides: ["xz"], why: "the zone kernel's unpacking", for: ["lab"] },
];

/** The packages a purpose needs. */
export function packagesFor(purpose: Purpose): DebianPackage[] {
  return PACKAGES.filter((p) => p.for.includes(purpose));
}

/** The Debian package that provides `tool`, if the list knows it. */
export function packageOf(tool: string): string | undefined {
  return PACKAGES.find((p) => p.provides.includes(tool))?.name ??
    BASE_TOOLS[tool];
}

/** Tools from packages every Debian system has (never installed by deps.ts). */
const BASE_TOOLS: Record<string, string> = {
  ln: "coreutils",
  mknod: "coreutils",
  stty: "coreutils",
  hostname: "hostname",
};

export function isPurpose(text: string): text is Purpose {
  return Object.hasOwn(PURPOSES, text);
}
