import type { Packet } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";

/** What a zone sends, as the limits count it: log bytes, events, metric reports. */
export type IdmKind = "logs" | "events" | "metrics";

/** A sustained rate and the burst allowed above it. */
export interface Rate {
  perSecond: number;
  burst: number;
}

/** [idm.limits] in daemon.toml: per zone, per kind. */
export type IdmLimitsConfig = Record<IdmKind, Rate>;

/**
 * Generous for a well-behaved zone (the agent reports memory every 2 s, output in chunks of
 * up to 64 KiB), small next to what one zone can make the daemon do unchecked.
 */
export const DEFAULT_IDM_LIMITS: IdmLimitsConfig = {
  logs: { perSecond: 4 << 20, burst: 16 << 20 },
  events: { perSecond: 200, burst: 1000 },
  metrics: { perSecond: 10, burst: 50 },
};

/** Which limit a message the zone started counts against, and how much of it. */
export function costOf(packet: Packet): { kind: IdmKind; amount: number } {
  if (packet.type === "workload.output") return { kind: "logs", amount: packet.payload.length };
  if (packet.type === "zone.memory") return { kind: "metrics", amount: 1 };
  return { kind: "events", amount: 1 };
}

/** How often a zone still being throttled is logged again. */
const REPORT_EVERY_MS = 60_000;

/**
 * A token bucket that may go into debt: a message over the rate is still delivered, and the
 * debt is how long the zone's channel stays unread (`IdmPeer.pace`). So a flooding zone is
 * slowed to the rate and loses nothing, and the daemon's work for it is bounded by the rate.
 */
class Bucket {
  #tokens: number;
  #at: number;
  throttledMs = 0;
  #reportedAt = -Infinity;
  #since = 0;

  constructor(private readonly rate: Rate, now: number) {
    this.#tokens = rate.burst;
    this.#at = now;
  }

  /** Takes `amount`; answers the ms to wait before reading on (0: within the rate). */
  take(amount: number, now: number): number {
    this.#tokens = Math.min(
      this.rate.burst,
      this.#tokens + (now - this.#at) * this.rate.perSecond / 1000,
    );
    this.#at = now;
    this.#tokens -= amount;
    if (this.#tokens >= 0) return 0;
    const wait = -this.#tokens * 1000 / this.rate.perSecond;
    this.throttledMs += wait;
    return wait;
  }

  /** True when this throttling should be logged (the first time, then once a minute). */
  report(now: number): { log: boolean; sinceMs: number } {
    if (now - this.#reportedAt < REPORT_EVERY_MS) return { log: false, sinceMs: 0 };
    const sinceMs = this.throttledMs - this.#since;
    this.#reportedAt = now;
    this.#since = this.throttledMs;
    return { log: true, sinceMs };
  }
}

/** Per-zone limits on what each zone's agent sends over IDM, enforced by pacing its channel. */
export class IdmRateLimits {
  readonly #zones = new Map<string, Map<IdmKind, Bucket>>();

  constructor(
    private readonly config: IdmLimitsConfig,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Puts the limits in front of a zone's IDM peer. */
  guard(zone: { id: string; name: string }, peer: IdmPeer): void {
    const buckets = new Map<IdmKind, Bucket>();
    this.#zones.set(zone.id, buckets);
    peer.pace = (packet) => {
      const { kind, amount } = costOf(packet);
      const now = this.now();
      let bucket = buckets.get(kind);
      if (!bucket) buckets.set(kind, bucket = new Bucket(this.config[kind], now));
      const wait = bucket.take(amount, now);
      if (wait > 0) {
        const { log, sinceMs } = bucket.report(now);
        if (log) {
          this.log.warn("zone throttled: it sends more than its IDM limit", {
            zone: zone.name,
            kind,
            limit_per_s: this.config[kind].perSecond,
            throttled_s: Math.round(sinceMs) / 1000,
          });
        }
      }
      return wait;
    };
  }

  /** Seconds the zone's channel was held back so far, by kind (only kinds it went over). */
  throttledSeconds(zoneId: string): Record<string, number> {
    return Object.fromEntries(
      [...(this.#zones.get(zoneId) ?? [])]
        .filter(([, b]) => b.throttledMs > 0)
        .map(([kind, b]) => [kind, b.throttledMs / 1000]),
    );
  }

  forget(zoneId: string): void {
    this.#zones.delete(zoneId);
  }
}
