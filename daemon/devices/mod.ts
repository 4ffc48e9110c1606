/** Host devices (PCI functions, block devices) and the zones they are given to. */
export { deviceMounts, MAX_ZONE_DEVICES, ZoneDevices } from "./zone_devices.ts";
export { deviceVolumes } from "./device_volumes.ts";
export { blockDevices, type HostDevice, pciDevices } from "./host_devices.ts";
