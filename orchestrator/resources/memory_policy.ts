/**
 * The DYNAMIC memory policy, as a pure function of what the host and the zones report, in
 * the spirit of Qubes' qmemman and Edera's documented policy: grow fast when a zone runs
 * short or feels pressure, shrink slowly when memory sits unused, with hysteresis, within
 * [min, max], never past the host's free memory less a reserve; donors give before
 * acceptors take.
 */

/** One DYNAMIC zone as the policy sees it (MiB). */
export interface MemoryView {
  zoneId: string;
  name: string;
  minMib: number;
  maxMib: number;
  /** The balloon target last set. */
  targetMib: number;
  /** From the zone's agent; undefined when it has not reported recently. */
  report?: { totalMib: number; availableMib: number; pressureSome: number };
}

export interface MemoryDecision {
  zoneId: string;
  name: string;
  fromMib: number;
  toMib: number;
  reason: string;
}

export interface MemoryTunables {
  /** Kept free on the host (MiB): never given to zones. */
  reserveMib: number;
  /** A zone is short when MemAvailable falls below this share of MemTotal… */
  lowShare: number;
  /** …or below this many MiB. */
  lowMib: number;
  /** PSI some avg10 (percent) above which a zone is under pressure. */
  pressure: number;
  /** What a zone should have beyond its use: use × (1 + this) + headroomMib. */
  spareShare: number;
  headroomMib: number;
  /**
   * Once a zone has not grown for leanAfterMs, it is settled: what it should have shrinks to
   * use × (1 + leanShare) + leanHeadroomMib (the spare is for growth spurts, not for idling).
   * leanShare stays above lowShare's reach, so a settled zone is never "short" (no oscillation).
   */
  leanShare: number;
  leanHeadroomMib: number;
  leanAfterMs: number;
  /** How long a zone must stay calm before it shrinks (ms). */
  calmMs: number;
  /** Targets closer than this to what is wanted are left alone (hysteresis). */
  slackMib: number;
}

export const DEFAULT_MEMORY_TUNABLES: MemoryTunables = {
  reserveMib: 256,
  lowShare: 0.2,
  lowMib: 64,
  pressure: 1,
  spareShare: 0.3,
  headroomMib: 160,
  leanShare: 0.25,
  leanHeadroomMib: 64,
  leanAfterMs: 10_000,
  calmMs: 3_000,
  slackMib: 64,
};

/** What the policy remembers between ticks: when each zone last grew and since when it is calm. */
export class MemoryPolicyState {
  readonly grewAt = new Map<string, number>();
  readonly calmSince = new Map<string, number>();

  forgetAllBut(zoneIds: Set<string>): void {
    for (const map of [this.grewAt, this.calmSince]) {
      for (const id of map.keys()) if (!zoneIds.has(id)) map.delete(id);
    }
  }
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
// Balloon targets in whole 4 MiB steps, so small noise does not make new targets.
const round = (mib: number) => Math.ceil(mib / 4) * 4;

/** The targets to set now, each with its reason; zones not listed keep theirs. */
export function planMemory(
  zones: MemoryView[],
  hostFreeMib: number,
  state: MemoryPolicyState,
  nowMs: number,
  t: MemoryTunables = DEFAULT_MEMORY_TUNABLES,
): MemoryDecision[] {
  state.forgetAllBut(new Set(zones.map((z) => z.zoneId)));
  const acceptors: Array<MemoryDecision & { urgency: number }> = [];
  const donors: MemoryDecision[] = [];
  const idle: Array<{ z: MemoryView; wanted: number }> = [];
  for (const z of zones) {
    const r = z.report;
    if (!r) continue;
    const used = Math.max(0, r.totalMib - r.availableMib);
    const settled = nowMs - (state.grewAt.get(z.zoneId) ?? -Infinity) >= t.leanAfterMs;
    // The band it should sit in: a growing zone keeps the spare; a settled one the lean margin
    // (measured in the lab: a PVH zone idles at ~170 MiB used, whose spare would keep it
    // 130 MiB above its floor).
    const wanted = clamp(
      round(
        settled
          ? used * (1 + t.leanShare) + t.leanHeadroomMib
          : used * (1 + t.spareShare) + t.headroomMib,
      ),
      z.minMib,
      z.maxMib,
    );
    const spare = clamp(round(used * (1 + t.spareShare) + t.headroomMib), z.minMib, z.maxMib);
    const short = r.availableMib < Math.max(t.lowMib, r.totalMib * t.lowShare);
    const pressed = r.pressureSome > t.pressure;
    if ((short || pressed) && z.targetMib < z.maxMib) {
      state.calmSince.delete(z.zoneId);
      // Fast: half as much again at least, and at least what its use calls for.
      const to = clamp(
        round(Math.max(z.targetMib * 1.5, spare, z.targetMib + 128)),
        z.minMib,
        z.maxMib,
      );
      acceptors.push({
        zoneId: z.zoneId,
        name: z.name,
        fromMib: z.targetMib,
        toMib: to,
        reason: pressed
          ? `memory pressure ${r.pressureSome.toFixed(1)} % (some avg10)`
          : `${Math.round(r.availableMib)} MiB available of ${Math.round(r.totalMib)}`,
        urgency: pressed ? r.pressureSome + 100 : 1 - r.availableMib / Math.max(1, r.totalMib),
      });
      continue;
    }
    if (wanted > z.targetMib + t.slackMib) {
      // Use is climbing: keep the spare ahead of it, before it runs short.
      state.calmSince.delete(z.zoneId);
      acceptors.push({
        zoneId: z.zoneId,
        name: z.name,
        fromMib: z.targetMib,
        toMib: spare,
        reason: `uses ${Math.round(used)} MiB: wants ${spare} MiB`,
        urgency: 0,
      });
    } else if (z.targetMib > wanted + t.slackMib && r.pressureSome < t.pressure) {
      // Not while the zone still counts as under pressure (then it grows instead).
      idle.push({ z, wanted });
    } else state.calmSince.delete(z.zoneId);
  }
  // Growth this tick may use the host's free memory less the reserve…
  let budget = hostFreeMib - t.reserveMib;
  const needed = acceptors.reduce((sum, a) => sum + (a.toMib - a.fromMib), 0);
  for (const { z, wanted } of idle) {
    const calm = state.calmSince.get(z.zoneId) ?? nowMs;
    state.calmSince.set(z.zoneId, calm);
    const sinceGrowth = nowMs - (state.grewAt.get(z.zoneId) ?? -Infinity);
    // …and when that is not enough, zones with unused memory give it back now, whole.
    if (needed > budget) {
      donors.push({
        zoneId: z.zoneId,
        name: z.name,
        fromMib: z.targetMib,
        toMib: wanted,
        reason: `gives ${z.targetMib - wanted} MiB it does not use to zones that need it`,
      });
      continue;
    }
    // Not within leanAfterMs of a growth: between growth spurts a zone is not idle (seen in the
    // lab: a shrink 6 s after a growth, then growth again).
    if (nowMs - calm < t.calmMs || sinceGrowth < t.leanAfterMs) continue;
    // Slow: half the way down each time.
    const to = Math.max(
      wanted,
      round(z.targetMib - Math.max(t.slackMib, (z.targetMib - wanted) / 2)),
    );
    donors.push({
      zoneId: z.zoneId,
      name: z.name,
      fromMib: z.targetMib,
      toMib: to,
      reason: `unused for ${Math.round((nowMs - calm) / 1000)} s (wants ${wanted} MiB)`,
    });
    state.calmSince.set(z.zoneId, nowMs);
  }
  const grants: MemoryDecision[] = [];
  for (const a of acceptors.sort((x, y) => y.urgency - x.urgency)) {
    const room = Math.min(a.toMib - a.fromMib, Math.max(0, Math.floor(budget)));
    if (room < 4) continue;
    budget -= room;
    const to = a.fromMib + room;
    state.grewAt.set(a.zoneId, nowMs);
    grants.push({
      zoneId: a.zoneId,
      name: a.name,
      fromMib: a.fromMib,
      toMib: to,
      reason: to < a.toMib
        ? `${a.reason}; host has room for ${room} of ${a.toMib - a.fromMib} MiB`
        : a.reason,
    });
  }
  return [...donors, ...grants];
}
