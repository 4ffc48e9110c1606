import { HypervisorBackend, type ZoneSpec } from "../../../proto/mod.ts";
import { zoneLinkName } from "../../../lib/zone_link/mod.ts";
import { FailedPreconditionError } from "../../../lib/errors/mod.ts";

/** Host files every zone boots from (DESIGN.md "Zone contents"). */
export interface ZoneBootFiles {
  /** Uncompressed vmlinux: libxenguest's XZ decompression is slow. */
  kernel: string;
  /** Stage 1: loads the Xen block/vchan modules, mounts the addons disk. */
  initrd: string;
  /** Read-only squashfs: Deno, the bundled agent, crun/runc and their libraries. */
  addons: string;
  /** libxl block hotplug script for file-backed disks (losetup + physical-device). */
  hotplugScript: string;
  /** libxl vif hotplug script: names the vif and leaves its set-up to protect-network. */
  vifScript: string;
}

export interface DomainConfigInput {
  zoneId: string;
  name: string;
  spec: ZoneSpec;
  boot: ZoneBootFiles;
  /** The zone's reserved MAC for its vif; libxl picks one when absent. */
  mac?: string;
  /** PV or PVH, resolved (resolveBackend). */
  backend: HypervisorBackend;
  /** The files of a kernel image the spec names by reference (ZoneLaunch.kernelFiles). */
  kernelFiles?: { kernel: string; initrd: string };
  /** An IOMMU context for the domain, so PCI functions can be passed through to it. */
  pciPassthrough?: boolean;
}

/** Under /local/domain/<domid>/: set when the domain was made able to take PCI functions. */
export const PASSTHROUGH_KEY = "protect/pci-passthrough";

/** Under /local/domain/<domid>/: the zone a domain belongs to (dom0-owned, guest-readable). */
export const ZONE_ID_KEY = "protect/zone-id";

/** libxl_device_disk JSON for a file-backed disk. */
export function diskJson(
  path: string,
  vdev: string,
  readWrite: boolean,
  script: string,
): Record<string, unknown> {
  return {
    pdev_path: path,
    vdev,
    backend: "phy",
    format: "raw",
    readwrite: readWrite ? 1 : 0,
    script,
  };
}

/**
 * libxl_device_nic JSON for the zone's one PV interface. Its host end is named
 * like every zone link ("pz…", see lib/zone_link), so protect-network's rules
 * cover it. The MAC is the zone's reserved one when the daemon could get it
 * (else libxl's; the agent sets the reserved one from its bootstrap either way).
 */
export function zoneNicJson(zoneId: string, script: string, mac?: string): Record<string, unknown> {
  return {
    devid: 0,
    nictype: "vif",
    ifname: zoneLinkName(zoneId),
    script,
    ...(mac ? { mac } : {}),
  };
}

/**
 * The backend a zone runs as, given whether Xen reports `hvm` in its capabilities (hardware
 * virtualisation: VT-x or AMD-V, nested under QEMU with +svm,+npt). PVH without HVM is refused
 * with the reason. AUTO is PVH where Xen has HVM (no PV MMU hypercalls, the hardware's paging),
 * PV elsewhere, and PV for a zone given PCI functions: Xen 4.17's libxl refuses passthrough to
 * x86 PVH guests ("passthrough not yet supported for x86 PVH guests", measured in the lab), so
 * PVH with PCI is refused up front. The resolved type is the zone's status.backend.
 */
export function resolveBackend(
  requested: HypervisorBackend,
  hvm: boolean,
  pciPassthrough = false,
): HypervisorBackend {
  if (requested === HypervisorBackend.PV) return HypervisorBackend.PV;
  if (requested === HypervisorBackend.PVH) {
    if (!hvm) throw new FailedPreconditionError(PVH_NEEDS_HVM);
    if (pciPassthrough) throw new FailedPreconditionError(PVH_NO_PASSTHROUGH);
    return HypervisorBackend.PVH;
  }
  return hvm && !pciPassthrough ? HypervisorBackend.PVH : HypervisorBackend.PV;
}

export const PVH_NO_PASSTHROUGH =
  "spec.backend: a PVH zone cannot be given PCI functions (Xen 4.17's libxl: \"passthrough not " +
  'yet supported for x86 PVH guests"); use pv or auto, which is PV for zones with PCI devices';

export const PVH_NEEDS_HVM =
  "spec.backend: PVH needs hardware virtualisation, and this Xen reports no hvm capability " +
  "(no VT-x/AMD-V, or not passed to a nested hypervisor); use pv or auto";

/**
 * Zone spec → libxl_domain_config JSON (the shape libxl_domain_config_from_json
 * reads). The domain's UUID is the zone ID, so a restarted daemon can tell its
 * domains apart from anyone else's without a side table.
 */
export function domainConfig(input: DomainConfigInput): Record<string, unknown> {
  const { spec, boot } = input;
  const r = spec.resources!;
  const maxMib = Number(r.maxMemoryMib || r.targetMemoryMib);
  const targetMib = Number(r.targetMemoryMib || maxMib);
  const maxCpus = r.maxCpus || r.targetCpus || 1;
  const cpus = r.targetCpus || maxCpus;
  const backend = input.backend;
  const cmdline = [
    "console=hvc0",
    "quiet",
    `protect.zone=${input.zoneId}`,
    ...spec.kernelOptions,
  ].join(" ");
  return {
    c_info: {
      type: backend === HypervisorBackend.PVH ? "pvh" : "pv",
      name: input.name,
      uuid: input.zoneId,
      // Written by libxl as the domain is made, so even a domain whose creation
      // was interrupted (daemon killed inside libxl) is recognisably ours.
      xsdata: {
        [ZONE_ID_KEY]: input.zoneId,
        ...(input.pciPassthrough ? { [PASSTHROUGH_KEY]: "1" } : {}),
      },
      // Xen gives a domain its IOMMU context at creation only, so a zone takes PCI functions
      // (at boot or live) only if it was launched with one.
      ...(input.pciPassthrough ? { passthrough: "enabled" } : {}),
    },
    b_info: {
      max_vcpus: maxCpus,
      avail_vcpus: Array.from({ length: cpus }, (_, i) => i),
      max_memkb: maxMib * 1024,
      target_memkb: targetMib * 1024,
      // A kernel by reference boots from its image's files; its own initrd unless the spec names one.
      kernel: input.kernelFiles?.kernel || spec.kernel || boot.kernel,
      ramdisk: spec.initrd || input.kernelFiles?.initrd || boot.initrd,
      cmdline,
      [backend === HypervisorBackend.PVH ? "type.pvh" : "type.pv"]: {},
    },
    disks: [diskJson(boot.addons, "xvda", false, boot.hotplugScript)],
    nics: spec.network?.disabled ? [] : [zoneNicJson(input.zoneId, boot.vifScript, input.mac)],
    p9s: spec.shares.map((share, i) => shareJson(share.hostPath, i)),
    // libxl leaves these to the toolstack; our reaper destroys shut-down domains.
    on_poweroff: "destroy",
    on_reboot: "destroy",
    on_crash: "destroy",
  };
}

/** The 9pfs tag of a zone's share `index` (the agent mounts it by this name). */
export function shareTag(index: number): string {
  return `share${index}`;
}

/**
 * libxl_device_p9 JSON for one share. QEMU (the device model libxl starts for a PV domain
 * with 9pfs devices) serves it; "none" leaves ownership to QEMU's own rights (root), so
 * files keep the owners the zone gives them, as on a local file system.
 */
export function shareJson(path: string, index: number): Record<string, unknown> {
  return { tag: shareTag(index), path, security_model: "none", devid: index };
}

/** xvdb, xvdc, … for image disks; xvda is the addons disk. */
export function imageVdev(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 24) {
    throw new RangeError(`image disk slot ${index} is out of range (0..24)`);
  }
  return `xvd${String.fromCharCode("b".charCodeAt(0) + index)}`;
}
