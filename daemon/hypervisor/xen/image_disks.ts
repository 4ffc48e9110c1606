import type { Libxl, XenStore } from "../../../xen/mod.ts";
import { diskJson, imageVdev } from "./domain_config.ts";
import type { LoopReclaimer } from "./loop_reclaimer.ts";
import { zoneKeysPath } from "./xenstore_paths.ts";

/**
 * Workload images as hot-plugged read-only disks. Which disk serves which
 * workload is kept with the domain (`<zone keys>/disks/<workload>` = vdev), so a
 * restarted daemon still knows. Changes to one zone's disks run one at a time.
 */
export class ImageDisks {
  #queue = new Map<string, Promise<unknown>>();

  constructor(
    private readonly xl: Libxl,
    private readonly xs: XenStore,
    private readonly loops: LoopReclaimer,
    private readonly hotplugScript: string,
  ) {}

  /** Adds `hostPath` as the domain's next free image disk; returns its device in the zone. */
  attach(
    zoneId: string,
    domid: () => number,
    workloadId: string,
    hostPath: string,
  ): Promise<string> {
    return this.#serial(zoneId, async () => {
      const id = domid();
      const dir = `${zoneKeysPath(id)}/disks`;
      const used = new Set(this.xs.directory(dir).map((slot) => this.xs.read(`${dir}/${slot}`)));
      let slot = 0;
      while (used.has(imageVdev(slot))) slot++;
      const vdev = imageVdev(slot);
      const disk = JSON.stringify(diskJson(hostPath, vdev, false, this.hotplugScript));
      await this.loops.building(() => this.xl.addDisk(id, disk));
      this.xs.write(`${dir}/${workloadId}`, vdev);
      return `/dev/${vdev}`;
    });
  }

  /** Removes the workload's disk, if the domain (`domid()`, undefined when gone) still has it. */
  detach(zoneId: string, domid: () => number | undefined, workloadId: string): Promise<void> {
    return this.#serial(zoneId, async () => {
      const id = domid();
      if (id === undefined) return;
      const key = `${zoneKeysPath(id)}/disks/${workloadId}`;
      const vdev = this.xs.read(key);
      if (!vdev) return;
      try {
        await this.xl.removeDisk(id, JSON.stringify(diskJson("", vdev, false, this.hotplugScript)));
      } finally {
        await this.loops.reclaim();
      }
      this.xs.rm(key);
    });
  }

  #serial<T>(zoneId: string, step: () => Promise<T>): Promise<T> {
    const next = (this.#queue.get(zoneId) ?? Promise.resolve()).then(step, step);
    this.#queue.set(zoneId, next.catch(() => {}));
    return next;
  }
}
