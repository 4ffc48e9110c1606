import type { Logger } from "../../../lib/log/mod.ts";
import type { LoopDevice } from "./loop_devices.ts";

export interface LoopReclaimerOptions {
  /** Bound loop devices (listLoopDevices). */
  list: () => LoopDevice[];
  /** Devices a block backend still names (xenstore `physical-device-path`). */
  inUse: () => Set<string>;
  detach: (device: string) => Promise<void>;
  /** Whether a backing file is protect's (the addons disk, image packs). */
  owns: (file: string) => boolean;
  log: Logger;
}

/**
 * Releases loop devices that back protect's files but no block backend uses.
 * block-protect's `remove` normally detaches them; when libxl kills it (its 40 s
 * hotplug timeout, seen under TCG with four zones going down at once) or the
 * daemon dies mid-launch, the device would stay bound forever. An `add` script
 * binds its device before it names it in xenstore, so a sweep runs only while no
 * libxl call that can run one is in flight (`building`), and re-checks that
 * before each detach.
 */
export class LoopReclaimer {
  #building = 0;
  #wanted = false;
  #running?: Promise<void>;

  constructor(private readonly options: LoopReclaimerOptions) {}

  /** Runs `body` (a libxl call that may bind loop devices); sweeps after if one was put off. */
  async building<T>(body: () => Promise<T>): Promise<T> {
    this.#building++;
    try {
      return await body();
    } finally {
      if (--this.#building === 0 && this.#wanted) this.reclaim().catch(() => {});
    }
  }

  /** Sweeps now, or as soon as no add can be in flight; never throws. */
  reclaim(): Promise<void> {
    if (this.#building > 0) {
      this.#wanted = true;
      return Promise.resolve();
    }
    this.#wanted = false;
    // One sweep at a time; a request during one gets its own after it.
    const previous = this.#running ?? Promise.resolve();
    const next = previous.then(() => this.#sweep());
    this.#running = next;
    return next;
  }

  async #sweep(): Promise<void> {
    const { list, inUse, detach, owns, log } = this.options;
    try {
      const used = inUse();
      for (const loop of list().filter((l) => owns(l.file) && !used.has(l.device))) {
        if (this.#building > 0) return void (this.#wanted = true);
        try {
          await detach(loop.device);
          log.warn("released a loop device no zone uses (its hotplug remove did not run)", {
            device: loop.device,
            file: loop.file,
          });
        } catch (error) {
          log.error("releasing an unused loop device failed", { device: loop.device, error });
        }
      }
    } catch (error) {
      log.error("looking for unused loop devices failed", { error });
    }
  }
}
