import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  DeviceAttachedSchema,
  DeviceDetachedSchema,
  DeviceSeenSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import {
  type Device,
  DeviceRefSchema,
  DeviceSchema,
  type WorkloadSpec,
  ZoneState,
} from "../../proto/mod.ts";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  quoted,
} from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { HostDevice, HypervisorDriver } from "../hypervisor/mod.ts";
import type { WorkloadStore, ZoneRecord } from "../state/mod.ts";
import type { ZoneLedger } from "../zones/mod.ts";
import { LIVE_WORKLOAD_STATES } from "../workloads/workload_rules.ts";

/** Devices one zone may be given: each is a PCI function or a vbd of the domain. */
export const MAX_ZONE_DEVICES = 8;
/** How long the zone has to see a device the host gave it. */
const SEEN_WAIT_MS = 60_000;

export interface ZoneDevicesDeps {
  driver: HypervisorDriver;
  zones: ZoneLedger;
  workloads: WorkloadStore;
  /** Block devices protect volumes live on: device path → volume name. */
  deviceVolumes: () => Promise<Map<string, string>>;
  log: Logger;
}

/** A workload's mounts of host block devices given to its zone. */
export const deviceMounts = (spec: WorkloadSpec) => spec.mounts.filter((m) => m.type === "device");

/**
 * Host devices given to zones (the seed's device attach/detach over IDM). A device belongs
 * to at most one zone: the zone records that name it in `spec.devices` are the claims, so
 * they survive a daemon restart and go with the zone's destroy. The driver hot-plugs the
 * device; the agent is told over IDM ("device.attached", "device.detached") and answers
 * once it sees the device, or has let go of it.
 */
export class ZoneDevices {
  /** Devices mid-attach or mid-detach: a second request for one is refused, not raced. */
  #busy = new Set<string>();

  constructor(private readonly deps: ZoneDevicesDeps) {}

  #requireDriver() {
    const { driver } = this.deps;
    if (!driver.listDevices || !driver.attachDevice || !driver.detachDevice) {
      throw new FailedPreconditionError(
        `the ${driver.name} driver cannot give host devices to zones; that needs the xen driver`,
      );
    }
    return driver as Required<
      Pick<HypervisorDriver, "listDevices" | "attachDevice" | "detachDevice">
    >;
  }

  /** Which zone holds each claimed device. */
  #claims(): Map<string, ZoneRecord> {
    const claims = new Map<string, ZoneRecord>();
    for (const zone of this.deps.zones.store.list()) {
      for (const d of zone.spec.devices) claims.set(d.name, zone);
    }
    return claims;
  }

  /** The host's devices, with the zone or host user holding each. */
  async list(): Promise<Device[]> {
    const driver = this.#requireDriver();
    const claims = this.#claims();
    const volumes = await this.deps.deviceVolumes();
    return driver.listDevices().map((d) =>
      create(DeviceSchema, {
        name: d.name,
        kind: d.kind,
        description: d.description,
        claimedByZoneId: claims.get(d.name)?.id ?? "",
        heldBy: volumes.has(d.name) ? `volume ${volumes.get(d.name)}` : d.heldBy,
      })
    );
  }

  /**
   * The device `name` if this zone may be given it: it exists, the host does not use it, no
   * protect volume lives on it, and no other zone has it. `field` names it in refusals.
   */
  async #available(name: string, zoneId: string | undefined, field: string): Promise<HostDevice> {
    const driver = this.#requireDriver();
    const device = driver.listDevices().find((d) => d.name === name);
    if (!device) {
      throw new NotFoundError(
        `${field}: no device ${quoted(name)} on this host (see protect device list)`,
      );
    }
    if (device.heldBy) {
      throw new FailedPreconditionError(`${field}: ${name} is in use: ${device.heldBy}`);
    }
    const volume = (await this.deps.deviceVolumes()).get(name);
    if (volume) {
      throw new FailedPreconditionError(`${field}: ${name} holds protect volume ${volume}`);
    }
    const holder = this.#claims().get(name);
    if (holder && holder.id !== zoneId) {
      throw new FailedPreconditionError(
        `${field}: ${name} is given to zone ${holder.name}; a device belongs to one zone at a time`,
      );
    }
    return device;
  }

  /** Checks a new zone's spec.devices: each available, none twice. Changes nothing. */
  async checkSpec(names: string[]): Promise<void> {
    if (names.length === 0) return;
    if (names.length > MAX_ZONE_DEVICES) {
      throw new InvalidArgumentError("spec.devices", `at most ${MAX_ZONE_DEVICES}`);
    }
    const seen = new Set<string>();
    for (const [i, name] of names.entries()) {
      if (seen.has(name)) {
        throw new InvalidArgumentError(`spec.devices[${i}]`, `${name} is named twice`);
      }
      seen.add(name);
      await this.#available(name, undefined, `spec.devices[${i}]`);
    }
  }

  /** Gives a READY zone a device, live; returns where the zone sees it. */
  async attach(zone: ZoneRecord, name: string): Promise<string> {
    if (zone.state !== ZoneState.READY) {
      throw new FailedPreconditionError(`zone ${zone.name} is ${ZoneState[zone.state]}, not READY`);
    }
    if (
      !zone.spec.devices.some((d) => d.name === name) &&
      zone.spec.devices.length >= MAX_ZONE_DEVICES
    ) {
      throw new FailedPreconditionError(
        `zone ${zone.name} has ${MAX_ZONE_DEVICES} devices already`,
      );
    }
    return await this.#exclusive(name, async () => {
      const device = await this.#available(name, zone.id, "device");
      const claimed = zone.spec.devices.some((d) => d.name === name);
      // Given already: answered where it is, not added again (libxl refuses a second PCI add).
      const held = !claimed
        ? undefined
        : device.kind === "block"
        ? this.deps.driver.deviceGuestPath?.(zone.id, name)
        : name;
      if (held) return held;
      if (!claimed) {
        this.#record(zone.id, (devices) => [
          ...devices,
          create(DeviceRefSchema, { name }),
        ]);
      }
      try {
        return await this.#give(zone, device);
      } catch (e) {
        if (!claimed) this.#record(zone.id, (devices) => devices.filter((d) => d.name !== name));
        throw e;
      }
    });
  }

  /** At boot, before READY: gives the zone the devices its spec names. */
  async attachAll(zone: ZoneRecord): Promise<void> {
    for (const { name } of zone.spec.devices) {
      await this.#exclusive(name, async () => {
        await this.#give(zone, await this.#available(name, zone.id, "spec.devices"));
      });
    }
  }

  /** Takes a device back from a zone (refused while a live workload mounts it). */
  async detach(zone: ZoneRecord, name: string): Promise<void> {
    if (!zone.spec.devices.some((d) => d.name === name)) {
      throw new NotFoundError(`zone ${zone.name} has no device ${quoted(name)}`);
    }
    const user = this.deps.workloads.list().find((w) =>
      w.zoneId === zone.id && LIVE_WORKLOAD_STATES.has(w.state) &&
      deviceMounts(w.spec).some((m) => m.source === name)
    );
    if (user) {
      throw new FailedPreconditionError(
        `${name} is mounted by workload ${user.name} of zone ${zone.name}; stop it first`,
      );
    }
    const driver = this.#requireDriver();
    await this.#exclusive(name, async () => {
      const device = driver.listDevices().find((d) => d.name === name) ??
        { name, kind: name.startsWith("/dev/") ? "block" : "pci", description: "", heldBy: "" };
      if (zone.state === ZoneState.READY && this.deps.driver.channel) {
        const guestPath = device.kind === "block"
          ? this.deps.driver.deviceGuestPath?.(zone.id, name) ?? ""
          : "";
        const peer = await this.deps.driver.channel(zone.id);
        const message = create(DeviceDetachedSchema, { name, guestPath });
        await peer.request(
          "device.detached",
          toBinary(DeviceDetachedSchema, message),
          SEEN_WAIT_MS,
        );
      }
      await driver.detachDevice(zone.id, device);
      this.#record(zone.id, (devices) => devices.filter((d) => d.name !== name));
      this.deps.log.info("device taken back from the zone", { zone: zone.name, device: name });
    });
  }

  /** Where the zone sees a block device it has (for a workload that mounts it). */
  guestPath(zone: ZoneRecord, name: string): string {
    const path = zone.spec.devices.some((d) => d.name === name)
      ? this.deps.driver.deviceGuestPath?.(zone.id, name)
      : undefined;
    if (!path) {
      throw new FailedPreconditionError(
        `${name} is not a block device of zone ${zone.name} (protect zone device attach ` +
          `${zone.name} ${name})`,
      );
    }
    return path;
  }

  /** Hot-plugs the device and waits for the zone to see it. */
  async #give(zone: ZoneRecord, device: HostDevice): Promise<string> {
    const driver = this.#requireDriver();
    const guestPath = await driver.attachDevice(zone.id, device).catch((e) => {
      // The hypervisor's refusal (libxl's reason is in the message), not a daemon fault.
      throw new FailedPreconditionError(
        `${device.name} could not be given to zone ${zone.name}: ${(e as Error).message}`,
      );
    });
    if (this.deps.driver.channel) {
      const peer = await this.deps.driver.channel(zone.id);
      const message = create(DeviceAttachedSchema, {
        name: device.name,
        kind: device.kind,
        guestPath: device.kind === "block" ? guestPath : "",
      });
      const answer = await peer.request(
        "device.attached",
        toBinary(DeviceAttachedSchema, message),
        SEEN_WAIT_MS,
      );
      const seen = fromBinary(DeviceSeenSchema, answer);
      this.deps.log.info("device given to the zone", {
        zone: zone.name,
        device: device.name,
        guest: guestPath,
        pci: seen.pciAddresses.slice(0, 32).join(","),
      });
    }
    return guestPath;
  }

  #record(
    zoneId: string,
    change: (devices: ZoneRecord["spec"]["devices"]) => ZoneRecord["spec"]["devices"],
  ) {
    const zone = this.deps.zones.store.get(zoneId);
    zone.spec.devices = change(zone.spec.devices);
    this.deps.zones.store.update(zone);
  }

  async #exclusive<T>(name: string, body: () => Promise<T>): Promise<T> {
    if (this.#busy.has(name)) {
      throw new FailedPreconditionError(`${name} is being attached or detached; try again`);
    }
    this.#busy.add(name);
    try {
      return await body();
    } finally {
      this.#busy.delete(name);
    }
  }
}
