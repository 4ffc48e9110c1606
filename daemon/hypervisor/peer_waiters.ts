import type { IdmPeer } from "../../lib/idm/mod.ts";
import { UnavailableError } from "../../lib/errors/mod.ts";

/** How long a caller waits for a zone's agent to (re)connect, unless it says otherwise. */
export const CHANNEL_WAIT_MS = 15_000;

/**
 * Callers waiting for a zone's IDM channel. Every wait has a deadline: a dead or
 * hung zone answers Unavailable instead of holding an RPC (and its client) forever.
 */
export class PeerWaiters {
  #waiters = new Map<string, Set<(peer: IdmPeer) => void>>();

  /** Resolves once `connected(zoneId, …)` is called; rejects after `timeoutMs` (0: never). */
  wait(zoneId: string, timeoutMs = CHANNEL_WAIT_MS): Promise<IdmPeer> {
    const { promise, resolve, reject } = Promise.withResolvers<IdmPeer>();
    const waiters = this.#waiters.get(zoneId) ?? new Set();
    this.#waiters.set(zoneId, waiters);
    const done = (peer: IdmPeer) => {
      clearTimeout(timer);
      resolve(peer);
    };
    waiters.add(done);
    const timer = timeoutMs > 0
      ? setTimeout(() => {
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(zoneId);
        reject(
          new UnavailableError(
            `zone ${zoneId}'s agent is not connected (waited ${Math.round(timeoutMs / 1000)} s)`,
          ),
        );
      }, timeoutMs)
      : undefined;
    return promise;
  }

  /** The zone's channel is up: every waiter gets it. */
  connected(zoneId: string, peer: IdmPeer): void {
    for (const resolve of this.#waiters.get(zoneId) ?? []) resolve(peer);
    this.#waiters.delete(zoneId);
  }
}
