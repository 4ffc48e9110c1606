import type { Libxl, XenStore } from "../../../xen/mod.ts";
import { diskJson, imageVdev } from "./domain_config.ts";
import type { LoopReclaimer } from "./loop_reclaimer.ts";
import { zoneKeysPath } from "./xenstore_paths.ts";

/**
 * Hot-plugged disks: workload images (read-only, one per workload, keyed by its ID)
 * and volumes (writable, one per volume, keyed `volume@<name>`). Which disk serves which
 * key is kept with the domain (`<zone keys>/disks/<key>` = vdev), so a restarted daemon
 * still knows. Changes to one zone's disks run one at a time.
 */
export class ImageDisks {
  #queue = new Map<string, Promise<unknown>>();

  constructor(
    private readonly xl: Libxl,
    private readonly xs: XenStore,
    private readonly loops: LoopReclaimer,
    private readonly hotplugScript: string,
  ) {}

  /**
   * Adds `hostPath` as the domain's next free disk for `key`, or finds the one it has;
   * returns its device in the zone.
   */
  attach(
    zoneId: string,
    domid: () => number,
    key: string,
    hostPath: string,
    readWrite = false,
  ): Promise<string> {
    return this.#serial(zoneId, async () => {
      const id = domid();
      const dir = `${zoneKeysPath(id)}/disks`;
      const held = this.xs.read(`${dir}/${key}`);
      if (held) return `/dev/${held}`;
      const used = new Set(this.xs.directory(dir).map((slot) => this.xs.read(`${dir}/${slot}`)));
      let slot = 0;
      while (used.has(imageVdev(slot))) slot++;
      const vdev = imageVdev(slot);
      const disk = JSON.stringify(diskJson(hostPath, vdev, readWrite, this.hotplugScript));
      await this.loops.building(() => this.xl.addDisk(id, disk));
      this.xs.write(`${dir}/${key}`, vdev);
      return `/dev/${vdev}`;
    });
  }

  /** The device of `key` in the domain, if it has that disk. */
  held(domid: number, key: string): string | undefined {
    const vdev = this.xs.read(`${zoneKeysPath(domid)}/disks/${key}`);
    return vdev ? `/dev/${vdev}` : undefined;
  }

  /** Removes the disk of `key`, if the domain (`domid()`, undefined when gone) still has it. */
  detach(zoneId: string, domid: () => number | undefined, key: string): Promise<void> {
    return this.#serial(zoneId, async () => {
      const id = domid();
      if (id === undefined) return;
      const path = `${zoneKeysPath(id)}/disks/${key}`;
      const vdev = this.xs.read(path);
      if (!vdev) return;
      try {
        await this.xl.removeDisk(id, JSON.stringify(diskJson("", vdev, false, this.hotplugScript)));
      } finally {
        await this.loops.reclaim();
      }
      this.xs.rm(path);
    });
  }

  #serial<T>(zoneId: string, step: () => Promise<T>): Promise<T> {
    const next = (this.#queue.get(zoneId) ?? Promise.resolve()).then(step, step);
    this.#queue.set(zoneId, next.catch(() => {}));
    return next;
  }
}

/** A volume's disk key: xenstore paths take no ".", and "@" is in no volume name or ID. */
export const volumeDiskKey = (name: string) => `volume@${name.replaceAll(".", "@")}`;

/** A host block device's disk key ("/dev/vda" → "device@dev@vda"). */
export const deviceDiskKey = (path: string) => `device${path.replaceAll(/[^a-zA-Z0-9_-]/g, "@")}`;

/** The volume names among a domain's disk keys. */
export const volumesOfDiskKeys = (keys: string[]) =>
  keys.filter((k) => k.startsWith("volume@")).map((k) => k.slice(7).replaceAll("@", "."));
