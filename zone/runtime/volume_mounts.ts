import type { WorkloadVolume } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { waitForPath } from "../../lib/fs/mod.ts";
import { VOLUME_NAME } from "../../lib/volumes/mod.ts";
import { run as runTool } from "./run_tool.ts";

/** A host device's mount name is its zone device ("xvdc"), never a path. */
const DEVICE_NAME = /^[a-z][a-z0-9]{0,15}$/;

/** What the host sent for one volume or device mount, checked before anything is mounted. */
function checkVolume(v: WorkloadVolume): void {
  if (v.hostDevice) {
    if (!DEVICE_NAME.test(v.name) || v.device !== `/dev/${v.name}`) {
      throw new Error(`"${v.name.slice(0, 32)}" is not a device of this zone`);
    }
  } else if (!VOLUME_NAME.test(v.name)) {
    throw new Error(`"${v.name.slice(0, 64)}" is not a volume name`);
  }
}

/** How long a hot-plugged volume disk may take to appear in the zone. */
const DISK_WAIT_MS = 30_000;

/**
 * The zone's named volumes: each is mounted once under `dir/<name>` when the first
 * workload that names it starts, shared live by every workload of the zone that names
 * it, and unmounted (flushed) when the last of them has ended, before the exit is
 * reported, so the host can hand the disk to another zone.
 */
export class VolumeMounts {
  /** Mounted volumes: their device and the workloads that use them. */
  #mounted = new Map<string, { device: string; users: Set<string> }>();
  /** One change at a time: a mount and an unmount of one volume must not interleave. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly devicePresent: (path: string) => boolean,
    private readonly run = runTool,
  ) {}

  /** Mounts what `workloadId` names and is not mounted yet; all or nothing. */
  acquire(workloadId: string, volumes: WorkloadVolume[]): Promise<void> {
    return this.#serial(async () => {
      const done: string[] = [];
      try {
        for (const v of volumes) {
          checkVolume(v);
          const mounted = this.#mounted.get(v.name);
          if (mounted) {
            mounted.users.add(workloadId);
          } else {
            await this.#mount(v.name, v.device, v.hostDevice);
            this.#mounted.set(v.name, { device: v.device, users: new Set([workloadId]) });
          }
          done.push(v.name);
        }
      } catch (e) {
        await this.#drop(workloadId, done);
        throw e;
      }
    });
  }

  /** The workload has ended: the volumes no other workload uses are unmounted. */
  release(workloadId: string): Promise<void> {
    return this.#serial(() => this.#drop(workloadId, [...this.#mounted.keys()]));
  }

  async #drop(workloadId: string, names: string[]): Promise<void> {
    for (const name of names) {
      const mounted = this.#mounted.get(name);
      if (!mounted?.users.delete(workloadId) || mounted.users.size > 0) continue;
      this.#mounted.delete(name);
      await this.run("umount", [`${this.dir}/${name}`]);
    }
  }

  /**
   * A file (process driver) through a loop device; a hot-plugged disk (Xen) once it appears.
   * A protect volume is ext4; a host block device holds whatever file system it holds.
   */
  async #mount(name: string, device: string, hostDevice: boolean): Promise<void> {
    const target = `${this.dir}/${name}`;
    Deno.mkdirSync(target, { recursive: true });
    if (!device.startsWith("/dev/")) {
      return await this.run("mount", ["-t", "ext4", "-o", "loop", device, target]);
    }
    await waitForPath(device, `volume ${name}'s disk`, DISK_WAIT_MS, 100, this.devicePresent);
    await this.run("mount", hostDevice ? [device, target] : ["-t", "ext4", device, target]);
  }

  /**
   * A host device is being taken from the zone: refused while a workload still mounts it
   * (the host checks that first); nothing to do otherwise, as the last user unmounted it.
   */
  checkUnused(device: string): void {
    for (const [name, m] of this.#mounted) {
      if (m.device === device && m.users.size > 0) {
        throw new Error(`${device} is mounted (as ${name}) by workload ${[...m.users][0]}`);
      }
    }
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(step, step);
    this.#queue = next.catch(() => {});
    return next;
  }
}
