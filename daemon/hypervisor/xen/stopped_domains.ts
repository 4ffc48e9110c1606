import { type DomainInfo, SHUTDOWN_REASONS } from "../../../xen/mod.ts";

/** A tracked zone whose domain stopped: why, and the domain left to destroy, if any. */
export interface StoppedZone {
  zoneId: string;
  reason: string;
  crashed: boolean;
  /** The shut-down domain still there (not already dying), for the toolstack to destroy. */
  leftover?: number;
}

/** Why a domain stopped, in words. */
export function describeShutdown(d: DomainInfo): string {
  const reason = SHUTDOWN_REASONS[d.shutdownReason] ?? `reason ${d.shutdownReason}`;
  return reason === "crash" ? "the guest crashed" : `the guest shut down (${reason})`;
}

/**
 * Which of the `tracked` zones lost their domain, from the `live` domains by zone ID: a
 * domain shut down (its reason) or gone altogether (destroyed outside protect, a crash).
 */
export function stoppedZones(
  tracked: Iterable<string>,
  live: Map<string, DomainInfo>,
): StoppedZone[] {
  const stopped: StoppedZone[] = [];
  for (const zoneId of tracked) {
    const d = live.get(zoneId);
    if (d && !d.shutdown) continue;
    stopped.push({
      zoneId,
      reason: d ? describeShutdown(d) : "domain was destroyed outside protect",
      crashed: !d || d.shutdownReason !== 0,
      leftover: d && !d.dying ? d.domid : undefined,
    });
  }
  return stopped;
}
