import type { Packet } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";

/** What the zone agent sends on its own: exactly what a zone may send by default. */
export const AGENT_MESSAGES: readonly string[] = [
  "ready",
  "workload.output",
  "workload.exit",
  "zone.memory",
];

/** How a zone says it booted: denying it would leave every zone booting forever. */
const REQUIRED = new Set(["ready"]);

/** A per-zone exception: zones named `zone`, or carrying annotation `key=value`. */
export interface IdmRule {
  zone?: string;
  annotation?: { key: string; value: string };
  allow: string[];
  deny: string[];
}

export interface IdmPolicyConfig {
  /** Message types every zone may start (events, requests, streams). */
  allow: string[];
  /** Applied in order over `allow`; deny wins over an allow in the same rule. */
  rules: IdmRule[];
}

export const DEFAULT_IDM_POLICY: IdmPolicyConfig = { allow: [...AGENT_MESSAGES], rules: [] };

/** Why a policy cannot be used, or undefined: it must not deny what zones need to boot. */
export function idmPolicyProblem(config: IdmPolicyConfig): string | undefined {
  for (const [i, rule] of config.rules.entries()) {
    const denied = rule.deny.find((t) => REQUIRED.has(t));
    if (denied) return `idm.rules[${i}].deny: "${denied}" is how a zone reports it booted`;
  }
  const missing = [...REQUIRED].find((t) => !config.allow.includes(t));
  return missing
    ? `idm.allow: must include "${missing}" (how a zone reports it booted)`
    : undefined;
}

/**
 * The daemon's per-zone IDM policy (Qubes' qrexec policy is the model): which message types
 * each zone may send. A denied message is dropped, counted per zone and type, logged (the
 * first, then at 10, 100, 1000 … so a flood cannot flood the log) and shown by idm-snoop.
 */
export class IdmPolicy {
  readonly #denied = new Map<string, Map<string, number>>();

  constructor(private readonly config: IdmPolicyConfig, private readonly log: Logger) {}

  /** The message types a zone with this name and these annotations may send. */
  allowedFor(name: string, annotations: Record<string, string>): Set<string> {
    const allowed = new Set(this.config.allow);
    for (const rule of this.config.rules) {
      const matches = (rule.zone === undefined || rule.zone === name) &&
        (rule.annotation === undefined ||
          annotations[rule.annotation.key] === rule.annotation.value);
      if (!matches) continue;
      for (const t of rule.allow) allowed.add(t);
      for (const t of rule.deny) allowed.delete(t);
    }
    return allowed;
  }

  /** Puts the policy in front of a zone's IDM peer. */
  guard(
    zone: { id: string; name: string; annotations: Record<string, string> },
    peer: IdmPeer,
    onDenied: (packet: Packet) => void,
  ): void {
    const allowed = this.allowedFor(zone.name, zone.annotations);
    peer.admit = (packet) => {
      if (allowed.has(packet.type)) return true;
      const counts = this.#denied.get(zone.id) ?? new Map<string, number>();
      this.#denied.set(zone.id, counts);
      // Bounded: at most 64 distinct types are counted per zone; the rest under "other".
      const key = counts.has(packet.type) || counts.size < 64 ? packet.type : "other";
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      if (n === 1 || Number.isInteger(Math.log10(n))) {
        this.log.warn("IDM message denied by policy", {
          zone: zone.name,
          type: packet.type,
          count: n,
        });
      }
      onDenied(packet);
      return false;
    };
  }

  /** Denied messages of a zone so far, by type. */
  denied(zoneId: string): Record<string, bigint> {
    return Object.fromEntries(
      [...(this.#denied.get(zoneId) ?? [])].map(([type, n]) => [type, BigInt(n)]),
    );
  }

  forget(zoneId: string): void {
    this.#denied.delete(zoneId);
  }
}
