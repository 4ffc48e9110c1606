import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  type WorkloadVolume,
  WorkloadVolumeSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { WorkloadSpec } from "../../proto/mod.ts";
import { FailedPreconditionError, NotFoundError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { StorageConnection } from "../clients/storage_client.ts";
import type { HypervisorDriver } from "../hypervisor/mod.ts";
import type { WorkloadStore } from "../state/mod.ts";
import { LIVE_WORKLOAD_STATES } from "./workload_rules.ts";

/** Who holds a volume: one zone, and its live workloads that name it. */
export interface VolumeHolder {
  zoneId: string;
  workloadIds: string[];
}

const volumeMounts = (spec: WorkloadSpec) => spec.mounts.filter((m) => m.type === "volume");

/**
 * Named volumes as workloads use them. ext4 is not a shared file system, so a volume
 * belongs to one zone at a time: from the first live workload that names it until the
 * last one has ended, when its disk is detached and another zone may take it. Who
 * holds what is read from the workload records, so it survives a daemon restart.
 */
export class WorkloadVolumes {
  /** Detaches under way: an attach of the same volume waits for its disk to be given back. */
  #detaching = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      workloads: WorkloadStore;
      driver: HypervisorDriver;
      storage: StorageConnection;
      log: Logger;
    },
  ) {}

  /** Every held volume, by name. */
  holders(): Map<string, VolumeHolder> {
    const held = new Map<string, VolumeHolder>();
    for (const w of this.deps.workloads.list()) {
      if (!LIVE_WORKLOAD_STATES.has(w.state)) continue;
      for (const m of volumeMounts(w.spec)) {
        const h = held.get(m.source) ?? { zoneId: w.zoneId, workloadIds: [] };
        h.workloadIds.push(w.id);
        held.set(m.source, h);
      }
    }
    return held;
  }

  /**
   * After a restart: a volume still attached to a zone where no live workload names it (the
   * daemon stopped between an exit and its detach) is detached, so no other zone can take
   * a disk this one still holds.
   */
  reconcile(zoneIds: string[]): Promise<void> {
    const { driver } = this.deps;
    if (!driver.attachedVolumes || !driver.detachVolume) return Promise.resolve();
    const held = this.holders();
    let stale: Array<{ zoneId: string; name: string }>;
    try {
      stale = zoneIds.flatMap((zoneId) =>
        driver.attachedVolumes!(zoneId).filter((name) => held.get(name)?.zoneId !== zoneId)
          .map((name) => ({ zoneId, name }))
      );
    } catch (error) {
      // Never a reason for the daemon not to start: the next exit detaches what it can.
      this.deps.log.warn("listing the zones' attached volumes failed", { error });
      return Promise.resolve();
    }
    return Promise.all(stale.map(({ zoneId, name }) => {
      this.deps.log.info("detaching a volume no workload of the zone uses", {
        zone: zoneId,
        volume: name,
      });
      return driver.detachVolume!(zoneId, name).catch((error) =>
        this.deps.log.warn("detaching a stale volume failed", { zone: zoneId, volume: name, error })
      );
    })).then(() => {});
  }

  /** The host path of each volume the spec names; a missing volume is refused by name. */
  async lookup(spec: WorkloadSpec): Promise<Map<string, string>> {
    const paths = new Map<string, string>();
    for (const m of volumeMounts(spec)) {
      try {
        const { volume } = await this.deps.storage.client.getVolume({ name: m.source });
        paths.set(m.source, volume!.path);
      } catch (e) {
        if (e instanceof ConnectError && e.code === Code.NotFound) {
          throw new NotFoundError(
            `volume ${m.source} does not exist (create it with: protect volume create ${m.source})`,
          );
        }
        throw this.deps.storage.error(e);
      }
    }
    return paths;
  }

  /**
   * Refuses a spec whose volume another zone holds. Synchronous, so a caller that records
   * the workload right after cannot race another claim.
   */
  claim(spec: WorkloadSpec, zoneId: string, workloadId?: string): void {
    const held = this.holders();
    for (const m of volumeMounts(spec)) {
      const h = held.get(m.source);
      if (!h || h.zoneId === zoneId) continue;
      const others = h.workloadIds.filter((id) => id !== workloadId);
      if (others.length === 0) continue;
      throw new FailedPreconditionError(
        `volume ${m.source} is in use in zone ${h.zoneId} (workload ${others[0]}); a volume ` +
          `is mounted by one zone at a time`,
      );
    }
  }

  /** Attaches the spec's volumes to the zone; what the agent mounts. */
  async attach(zoneId: string, spec: WorkloadSpec): Promise<WorkloadVolume[]> {
    const paths = await this.lookup(spec);
    const volumes: WorkloadVolume[] = [];
    for (const m of volumeMounts(spec)) {
      const path = paths.get(m.source)!;
      await this.#detaching.get(m.source);
      const device = this.deps.driver.attachVolume
        ? await this.deps.driver.attachVolume(zoneId, m.source, path)
        : path;
      volumes.push(create(WorkloadVolumeSchema, {
        name: m.source,
        device,
        destination: m.destination,
        readOnly: m.readOnly,
      }));
    }
    return volumes;
  }

  /**
   * A workload of `zoneId` has ended: its volumes that no live workload of the zone still
   * names are detached (the agent unmounted them before it reported the exit).
   */
  release(zoneId: string, spec: WorkloadSpec): void {
    if (!this.deps.driver.detachVolume) return;
    const held = this.holders();
    for (const m of volumeMounts(spec)) {
      if (held.get(m.source)?.zoneId === zoneId) continue;
      const done = this.deps.driver.detachVolume(zoneId, m.source).catch((error) =>
        this.deps.log.warn("detaching a volume failed", { zone: zoneId, volume: m.source, error })
      ).finally(() => {
        if (this.#detaching.get(m.source) === done) this.#detaching.delete(m.source);
      });
      this.#detaching.set(m.source, done);
    }
  }
}
