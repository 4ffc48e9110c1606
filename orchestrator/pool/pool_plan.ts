import { type Zone, ZoneState } from "../../proto/mod.ts";
import { POOL_SHAPE, POOL_SHAPE_HASH, type PoolShape } from "./pool_shape.ts";

/** One step towards the configured pool. */
export type PoolAction =
  | { kind: "create"; shape: PoolShape; reason: string }
  | { kind: "destroy"; zone: Zone; shape: string; reason: string };

/** Pool zones on their way to POOLED, or there. */
const LIVE = new Set([ZoneState.CREATING, ZoneState.CREATED, ZoneState.POOLED]);
const BOOTING = new Set([ZoneState.CREATING, ZoneState.CREATED]);

export interface PoolPlanOptions {
  /** Shapes whose last pool zone failed wait this long (ms) before the next; 0: no wait. */
  waitMs(shape: string): number;
}

/**
 * What to do next for the warm pool, from the daemon's zone list. Failed pool zones and
 * those of a shape that is gone, turned off or changed are destroyed; a shape with too many
 * loses its newest; a shape short of its size gets one more zone, and only while no zone at
 * all is booting: one boot at a time, and refilling never crowds out a launch.
 */
export function planPool(
  shapes: PoolShape[],
  zones: Zone[],
  options: PoolPlanOptions,
): PoolAction[] {
  const actions: PoolAction[] = [];
  const pool = zones.filter((z) => z.spec?.pool);
  const shapeOf = (z: Zone) => z.spec?.annotations[POOL_SHAPE] ?? "";
  const keep = new Map<string, Zone[]>();
  for (const zone of pool) {
    const state = zone.status?.state ?? ZoneState.UNSPECIFIED;
    const name = shapeOf(zone);
    const shape = shapes.find((s) => s.name === name);
    const destroy = (reason: string) =>
      actions.push({ kind: "destroy", zone, shape: name, reason });
    if (state === ZoneState.FAILED || state === ZoneState.EXITED) {
      destroy(`it failed: ${zone.status?.error || ZoneState[state]}`);
    } else if (!LIVE.has(state)) {
      continue; // on its way out already
    } else if (!shape) {
      destroy(`no [[pool]] shape is named "${name}" any more`);
    } else if (shape.size === 0) {
      destroy(`shape ${name} is turned off (size 0)`);
    } else if (zone.spec?.annotations[POOL_SHAPE_HASH] !== shape.hash) {
      destroy(`shape ${name} changed since it booted`);
    } else {
      keep.set(name, [...(keep.get(name) ?? []), zone]);
    }
  }
  // Any zone, not only the pool's: a claim is CREATED until READY, and a refill booting
  // beside it would slow the very launch the pool is there to speed up.
  let booting = zones.some((z) => BOOTING.has(z.status?.state ?? ZoneState.UNSPECIFIED));
  for (const shape of shapes) {
    const live = keep.get(shape.name) ?? [];
    // Newest first: the zones that have waited longest are claimed first, keep them.
    const newest = [...live].sort((a, b) => created(b) - created(a));
    for (const zone of newest.slice(0, Math.max(0, live.length - shape.size))) {
      actions.push({
        kind: "destroy",
        zone,
        shape: shape.name,
        reason: `shape ${shape.name} has ${live.length} zones, wants ${shape.size}`,
      });
    }
    if (live.length < shape.size && !booting && options.waitMs(shape.name) === 0) {
      actions.push({
        kind: "create",
        shape,
        reason: `shape ${shape.name} has ${live.length} of ${shape.size} zones`,
      });
      booting = true;
    }
  }
  return actions;
}

const created = (z: Zone) => Number(z.status?.createdAt?.seconds ?? 0n);
