import type { Libxl } from "../../../xen/mod.ts";
import { InvalidArgumentError } from "../../../lib/errors/mod.ts";

const PCI_ADDRESS = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/;

/** Whether a device name is a PCI address (the rest are block devices' paths). */
export const isPciAddress = (name: string) => PCI_ADDRESS.test(name);

export const NO_IOMMU =
  "Xen reports no IOMMU (no directio capability): PCI passthrough is unavailable on this host";
export const NOT_LAUNCHED_WITH_PCI =
  "was launched without a PCI device, and Xen gives a domain its IOMMU context only at " +
  "creation: launch the zone with --device ADDRESS to pass PCI functions to it";

/** A PCI address ("0000:00:04.0") as libxl_device_pci JSON. */
export function pciJson(address: string): string {
  const m = PCI_ADDRESS.exec(address);
  if (!m) {
    throw new InvalidArgumentError("device", `"${address}" is not a PCI address (DDDD:BB:DD.F)`);
  }
  const hex = (s: string) => parseInt(s, 16);
  return JSON.stringify({ domain: hex(m[1]), bus: hex(m[2]), dev: hex(m[3]), func: hex(m[4]) });
}

/**
 * PCI passthrough through libxl: the function is bound to xen-pciback (libxl remembers its
 * driver), then added to the running domain; the zone sees it through pcifront. A removed
 * function stays with xen-pciback, ready for the next zone.
 */
export class PciPassthrough {
  constructor(private readonly xl: Libxl) {}

  async attach(domid: number, address: string): Promise<string> {
    const json = pciJson(address);
    await this.xl.makePciAssignable(json);
    await this.xl.addPci(domid, json);
    return address;
  }

  async detach(domid: number, address: string): Promise<void> {
    await this.xl.removePci(domid, pciJson(address));
  }
}
