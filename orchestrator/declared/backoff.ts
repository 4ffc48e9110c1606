/**
 * Exponential restart back-off per key (a zone, or a zone's workload): 1 s, 2 s, 4 s … up to
 * 5 minutes; forgotten once what it guards has stayed up for a minute.
 */
export class Backoff {
  readonly #tries = new Map<string, { count: number; lastMs: number }>();

  constructor(
    private readonly baseMs = 1_000,
    private readonly maxMs = 300_000,
    private readonly resetAfterMs = 60_000,
  ) {}

  /** How long `key` must still wait before its next restart (0: now). */
  waitMs(key: string, nowMs: number): number {
    const t = this.#tries.get(key);
    if (!t) return 0;
    return Math.max(0, t.lastMs + this.delayAfter(t.count) - nowMs);
  }

  /** The delay after `count` restarts in a row. */
  delayAfter(count: number): number {
    return count === 0 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** (count - 1));
  }

  /** A restart of `key` happens now; returns which one in a row it is. */
  record(key: string, nowMs: number): number {
    const count = (this.#tries.get(key)?.count ?? 0) + 1;
    this.#tries.set(key, { count, lastMs: nowMs });
    return count;
  }

  /** `key` needs no restart now: after a calm minute its count starts again. */
  calm(key: string, nowMs: number): void {
    const t = this.#tries.get(key);
    if (t && nowMs - t.lastMs >= this.resetAfterMs) this.#tries.delete(key);
  }
}
