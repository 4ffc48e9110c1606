import { create } from "@bufbuild/protobuf";
import { WatchEventsResponseSchema, type ZoneSpec, ZoneState } from "../../proto/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { zoneToProto } from "../api/convert.ts";
import type { EventBus } from "../events/mod.ts";
import type { EventLog, ZoneRecord, ZoneStore } from "../state/mod.ts";

/**
 * The one place zone records change: each change is persisted, appended to
 * the event log, logged and published to watchers, in that order.
 */
export class ZoneLedger {
  #changed = new Set<(zone: ZoneRecord) => void>();
  #forgetting = new Set<(zoneId: string) => void>();

  constructor(
    readonly store: ZoneStore,
    private readonly events: EventLog,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  /** Records a new zone (throws AlreadyExists on a taken name). */
  admit(zone: ZoneRecord): void {
    this.store.insert(zone);
    this.#announce(zone);
  }

  /**
   * Re-reads the record (an RPC may have changed `desired` meanwhile), applies
   * the new state and patch, and announces it. Undefined if the zone is gone.
   */
  transition(
    zoneId: string,
    state: ZoneState,
    patch: Partial<ZoneRecord> = {},
  ): ZoneRecord | undefined {
    const zone = this.store.find(zoneId);
    if (!zone) return undefined;
    Object.assign(zone, patch, { state });
    this.store.update(zone);
    this.#announce(zone);
    return zone;
  }

  /**
   * Hands a POOLED zone to a CreateZone: it takes the request's name and spec and goes
   * back to CREATED, where the reconciler renames its guest and bootstraps it. Throws
   * AlreadyExists (and changes nothing) when the name is taken.
   */
  claim(pooled: ZoneRecord, spec: ZoneSpec): ZoneRecord {
    const zone: ZoneRecord = {
      ...pooled,
      name: spec.name,
      spec,
      state: ZoneState.CREATED,
      fromPool: true,
      createdAt: new Date(),
    };
    this.store.update(zone);
    this.log.info("pool zone claimed", { zone: zone.name, pool: pooled.name, id: zone.id });
    this.#announce(zone);
    return zone;
  }

  /** Marks a zone for destruction; the reconciler does the work. */
  requestDestroy(zoneId: string): void {
    const zone = this.store.get(zoneId);
    if (zone.desired === "absent") return;
    zone.desired = "absent";
    this.store.update(zone);
    this.log.info("zone destroy requested", { zone: zone.name, id: zone.id });
  }

  /** Removes a destroyed zone's record; listeners run first (its workloads' rows go with it). */
  forget(zoneId: string): void {
    for (const listener of this.#forgetting) listener(zoneId);
    this.store.delete(zoneId);
  }

  /** Calls `listener` after every announced change (what depends on a zone's state). */
  onChange(listener: (zone: ZoneRecord) => void): void {
    this.#changed.add(listener);
  }

  /** Calls `listener` just before a destroyed zone's record is removed. */
  onForget(listener: (zoneId: string) => void): void {
    this.#forgetting.add(listener);
  }

  #announce(zone: ZoneRecord): void {
    const state = ZoneState[zone.state];
    this.events.append("zone", zone.id, state, zone.error);
    this.log.info("zone state", {
      zone: zone.name,
      id: zone.id,
      state,
      error: zone.error || undefined,
    });
    this.bus.publish(create(WatchEventsResponseSchema, {
      event: { case: "zoneChanged", value: zoneToProto(zone) },
    }));
    for (const listener of this.#changed) listener(zone);
  }
}
