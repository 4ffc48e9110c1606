import type { Client } from "@connectrpc/connect";
import { type ControlService, ZoneState } from "../../proto/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { runTicks } from "../tick_loop.ts";
import { Backoff } from "../declared/mod.ts";
import { POOL_SHAPE, type PoolShape } from "./pool_shape.ts";
import { planPool, type PoolAction } from "./pool_plan.ts";

export interface WarmPoolOptions {
  shapes: PoolShape[];
  intervalMs: number;
}

/** A pool zone's name: the shape's, and 8 hex digits (claims rename it). */
function poolZoneName(shape: string): string {
  const suffix = Array.from(
    crypto.getRandomValues(new Uint8Array(4)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return `pool-${shape}-${suffix}`;
}

/**
 * Keeps the warm pool at its configured sizes: boots pool zones (CreateZone with spec.pool)
 * and destroys those that failed or are no longer wanted, logging each decision with its
 * reason and publishing it as a PolicyDecision event. A shape whose zones fail to boot is
 * retried with exponential back-off. Claims happen in the daemon: a claimed zone is no
 * longer a pool zone, and the next look refills.
 */
export function runWarmPool(
  client: Client<typeof ControlService>,
  options: WarmPoolOptions,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const backoff = new Backoff();
  const complaints = new Map<string, string>();

  const decide = (zone: string, action: string, reason: string) => {
    log.info("warm pool", { zone, action, reason });
    client.recordPolicyDecision({ decision: { source: "orchestrator", zone, action, reason } })
      .catch((error) => log.debug("policy decision not recorded", { error }));
  };

  const carryOut = async (action: PoolAction) => {
    if (action.kind === "destroy") {
      decide(action.zone.spec?.name ?? action.zone.id, "destroy-pool-zone", action.reason);
      if (action.zone.status?.state === ZoneState.FAILED) backoff.record(action.shape, Date.now());
      // only_pool: a launch may have claimed it since the list was read.
      await client.destroyZone({ zoneId: action.zone.id, onlyPool: true }, { signal }).catch(
        (error) => log.info("a pool zone was not destroyed", { zone: action.zone.id, error }),
      );
      return;
    }
    const name = poolZoneName(action.shape.name);
    try {
      await client.createZone({ spec: { ...action.shape.spec, name }, noPool: true }, { signal });
      complaints.delete(action.shape.name);
      decide(name, "create-pool-zone", action.reason);
    } catch (error) {
      // Refused (the host is full, a bad shape): said once per distinct reason, retried later.
      backoff.record(action.shape.name, Date.now());
      const message = (error as Error).message;
      if (complaints.get(action.shape.name) !== message) {
        complaints.set(action.shape.name, message);
        log.warn("a pool zone could not be created", { shape: action.shape.name, error: message });
        decide(name, "pool-refused", message);
      }
    }
  };

  const tick = async () => {
    const { zones } = await client.listZones({}, { timeoutMs: 5_000, signal });
    const now = Date.now();
    for (const z of zones) {
      if (z.spec?.pool && z.status?.state === ZoneState.POOLED) {
        backoff.calm(z.spec.annotations[POOL_SHAPE] ?? "", now);
      }
    }
    const actions = planPool(options.shapes, zones, {
      waitMs: (shape) => backoff.waitMs(shape, now),
    });
    for (const action of actions) await carryOut(action);
  };

  return runTicks("the warm pool", tick, { intervalMs: options.intervalMs, log, signal });
}
