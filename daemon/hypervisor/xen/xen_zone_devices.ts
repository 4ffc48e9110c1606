import { FailedPreconditionError } from "../../../lib/errors/mod.ts";
import type { Libxl, XenCtrl, XenStore } from "../../../xen/mod.ts";
import { blockDevices, type HostDevice, pciDevices } from "../../devices/host_devices.ts";
import { PASSTHROUGH_KEY } from "./domain_config.ts";
import { deviceDiskKey, type ImageDisks } from "./image_disks.ts";
import { withLibxlReason } from "./libxl_reason.ts";
import { NO_IOMMU, NOT_LAUNCHED_WITH_PCI, PciPassthrough } from "./pci_passthrough.ts";

export interface XenZoneDevicesDeps {
  xl: Libxl;
  xs: XenStore;
  xc: XenCtrl;
  disks: ImageDisks;
  libxlLogPath: string;
  /** The zone's live domain, if it has one. */
  domid: (zoneId: string) => number | undefined;
  /** The zone's name, for refusals. */
  zoneName: (zoneId: string) => string;
}

/**
 * Host devices in Xen zones, the driver's side: block devices as writable vbds (kept with the
 * domain's other disks), PCI functions through xen-pciback and libxl. A libxl failure carries
 * libxl's own log line.
 */
export class XenZoneDevices {
  readonly #pci: PciPassthrough;

  constructor(private readonly deps: XenZoneDevicesDeps) {
    this.#pci = new PciPassthrough(deps.xl);
  }

  list(): HostDevice[] {
    return [...pciDevices(), ...blockDevices()];
  }

  attach(zoneId: string, device: HostDevice): Promise<string> {
    const domid = () => {
      const id = this.deps.domid(zoneId);
      if (id === undefined) throw new Error(`zone ${zoneId} has no running domain`);
      return id;
    };
    return withLibxlReason(this.deps.libxlLogPath, () => {
      const key = deviceDiskKey(device.name);
      if (device.kind === "block") {
        return this.deps.disks.attach(zoneId, domid, key, device.name, true);
      }
      const id = domid();
      if (this.deps.xs.read(`/local/domain/${id}/${PASSTHROUGH_KEY}`) !== "1") {
        throw new FailedPreconditionError(
          this.deps.xc.physinfo().capabilities.includes("directio")
            ? `zone ${this.deps.zoneName(zoneId)} ${NOT_LAUNCHED_WITH_PCI}`
            : NO_IOMMU,
        );
      }
      return this.#pci.attach(id, device.name);
    });
  }

  guestPath(zoneId: string, name: string): string | undefined {
    if (!name.startsWith("/dev/")) return undefined; // a PCI function has no node of its own
    const domid = this.deps.domid(zoneId);
    return domid === undefined ? undefined : this.deps.disks.held(domid, deviceDiskKey(name));
  }

  detach(zoneId: string, device: HostDevice): Promise<void> {
    const domid = () => this.deps.domid(zoneId);
    return withLibxlReason(this.deps.libxlLogPath, async () => {
      if (device.kind === "block") {
        return await this.deps.disks.detach(zoneId, domid, deviceDiskKey(device.name));
      }
      const id = domid();
      if (id !== undefined) await this.#pci.detach(id, device.name);
    });
  }
}
