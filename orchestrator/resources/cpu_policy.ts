/**
 * The DYNAMIC vCPU policy: one more vCPU online after a few busy seconds, one fewer after a
 * longer idle spell, within [min, max]. Busy-ness is the hypervisor's CPU time per online
 * vCPU between ticks.
 */

export interface CpuView {
  zoneId: string;
  name: string;
  minCpus: number;
  maxCpus: number;
  onlineCpus: number;
  /** The hypervisor's CPU time of all the zone's vCPUs; undefined without a hypervisor. */
  cpuSeconds?: number;
}

export interface CpuDecision {
  zoneId: string;
  name: string;
  fromCpus: number;
  toCpus: number;
  reason: string;
}

export const CPU_TUNABLES = {
  busy: 0.8,
  idle: 0.2,
  /** Consecutive busy ticks before adding a vCPU, idle ticks before taking one. */
  busyTicks: 3,
  idleTicks: 10,
};

interface Seen {
  cpuSeconds: number;
  atMs: number;
  busy: number;
  idle: number;
}

export class CpuPolicyState {
  readonly seen = new Map<string, Seen>();
}

export function planCpus(
  zones: CpuView[],
  state: CpuPolicyState,
  nowMs: number,
  t = CPU_TUNABLES,
): CpuDecision[] {
  const ids = new Set(zones.map((z) => z.zoneId));
  for (const id of state.seen.keys()) if (!ids.has(id)) state.seen.delete(id);
  const decisions: CpuDecision[] = [];
  for (const z of zones) {
    if (z.cpuSeconds === undefined || z.onlineCpus < 1) continue;
    const last = state.seen.get(z.zoneId);
    const seen: Seen = { cpuSeconds: z.cpuSeconds, atMs: nowMs, busy: 0, idle: 0 };
    state.seen.set(z.zoneId, seen);
    if (!last || nowMs <= last.atMs) continue;
    const share = (z.cpuSeconds - last.cpuSeconds) / ((nowMs - last.atMs) / 1000) / z.onlineCpus;
    seen.busy = share > t.busy ? last.busy + 1 : 0;
    seen.idle = share < t.idle ? last.idle + 1 : 0;
    const percent = `${Math.round(share * 100)} % per vCPU`;
    if (seen.busy >= t.busyTicks && z.onlineCpus < z.maxCpus) {
      decisions.push({
        zoneId: z.zoneId,
        name: z.name,
        fromCpus: z.onlineCpus,
        toCpus: z.onlineCpus + 1,
        reason: `busy for ${seen.busy} s (${percent})`,
      });
      seen.busy = 0;
    } else if (seen.idle >= t.idleTicks && z.onlineCpus > z.minCpus) {
      decisions.push({
        zoneId: z.zoneId,
        name: z.name,
        fromCpus: z.onlineCpus,
        toCpus: z.onlineCpus - 1,
        reason: `idle for ${seen.idle} s (${percent})`,
      });
      seen.idle = 0;
    }
  }
  return decisions;
}
