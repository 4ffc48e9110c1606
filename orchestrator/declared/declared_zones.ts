import type { Client } from "@connectrpc/connect";
import { join } from "node:path";
import type { ControlService, Zone } from "../../proto/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { runTicks } from "../tick_loop.ts";
import {
  applyDeclaration,
  type Declaration,
  DECLARED_FROM,
  type DeclaredAction,
  describeAction,
  parseDeclaration,
  planDeclaration,
} from "../../lib/declared/mod.ts";
import { Backoff } from "./backoff.ts";

export interface DeclaredZonesOptions {
  /** /etc/protect/zones.d */
  dir: string;
  intervalMs: number;
  /** How long a zone may take to boot or go. */
  timeoutMs: number;
}

/** Restarts are backed off per zone and per workload; first creations and changes are not. */
const backoffKey = (a: DeclaredAction) =>
  a.kind === "restart-zone"
    ? a.zone
    : a.kind === "restart-workload"
    ? `${a.zone}/${a.workload.spec.name}`
    : undefined;

/** The *.toml files of `dir`, by name; an absent directory has none. */
function declarationFiles(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".toml"))
      .map((e) => join(dir, e.name)).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/**
 * Keeps the zones declared in zones.d running: creates missing ones, replaces changed ones,
 * restarts failed zones and workloads that ended badly with exponential back-off, destroys
 * the zone of a removed file. Each decision is logged with its reason and published as a
 * PolicyDecision event.
 */
export function runDeclaredZones(
  client: Client<typeof ControlService>,
  options: DeclaredZonesOptions,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const backoff = new Backoff();
  const busy = new Map<string, Promise<void>>();
  const complaints = new Map<string, string>();
  const waiting = new Set<string>();

  const decide = (zone: string, action: string, reason: string) => {
    log.info("declared zone", { zone, action, reason });
    client.recordPolicyDecision({ decision: { source: "orchestrator", zone, action, reason } })
      .catch((error) => log.debug("policy decision not recorded", { error }));
  };

  const carryOut = (decl: Declaration | undefined, zone: string, actions: DeclaredAction[]) => {
    const work = (async () => {
      try {
        if (decl) {
          await applyDeclaration(client, decl, actions, {
            timeoutMs: options.timeoutMs,
            signal,
            onStep: (a) => decide(zone, a.kind, describeAction(a)),
          });
        } else {
          for (const a of actions) decide(zone, a.kind, describeAction(a));
          for (const a of actions) {
            if (a.kind === "destroy-zone") await client.destroyZone({ zoneId: a.zoneId });
          }
        }
      } catch (error) {
        if (!signal.aborted) {
          log.warn("a declared zone's step failed; the next look tries again", { zone, error });
        }
      } finally {
        busy.delete(zone);
      }
    })();
    busy.set(zone, work);
  };

  const tick = async () => {
    const now = Date.now();
    const declarations: Declaration[] = [];
    const present = new Set<string>();
    for (const file of declarationFiles(options.dir)) {
      present.add(file);
      let text: string;
      try {
        text = Deno.readTextFileSync(file);
        const decl = parseDeclaration(text, file);
        complaints.delete(file);
        declarations.push(decl);
      } catch (error) {
        // Said once per distinct problem; the zone (if any) stays as it is.
        const message = (error as Error).message;
        if (complaints.get(file) !== message) {
          complaints.set(file, message);
          log.warn("a declaration is not applied", { file, error: message });
          decide("", "invalid", message);
        }
      }
    }
    const [{ zones }, { workloads }] = await Promise.all([
      client.listZones({}, { signal }),
      client.listWorkloads({}, { signal }),
    ]);
    for (const decl of declarations) {
      const name = decl.zone.name;
      if (busy.has(name)) continue;
      let actions: DeclaredAction[];
      try {
        actions = planDeclaration(decl, zones, workloads);
      } catch (error) {
        const message = (error as Error).message;
        if (complaints.get(decl.source) !== message) {
          complaints.set(decl.source, message);
          log.warn("a declaration cannot be applied", { file: decl.source, error: message });
          decide(name, "conflict", message);
        }
        continue;
      }
      const keys = new Set(actions.map(backoffKey).filter((k): k is string => !!k));
      for (const k of [name, ...decl.workloads.map((w) => `${name}/${w.spec.name}`)]) {
        if (!keys.has(k)) backoff.calm(k, now);
      }
      const due = [...keys].map((k) => backoff.waitMs(k, now)).reduce((a, b) => Math.max(a, b), 0);
      if (due > 0) {
        if (!waiting.has(name)) {
          waiting.add(name);
          decide(
            name,
            "wait",
            `${actions.map(describeAction).join("; ")}: back-off ${Math.ceil(due / 1000)} s`,
          );
        }
        continue;
      }
      waiting.delete(name);
      if (actions.length === 0) continue;
      for (const k of keys) {
        const n = backoff.record(k, now);
        if (n > 1) {
          log.info("restarting after back-off", {
            what: k,
            restart: n,
            nextDelayMs: backoff.delayAfter(n),
          });
        }
      }
      carryOut(decl, name, actions);
    }
    // A zone whose file went away goes too (a file that fails to parse keeps its zone).
    const declared = (z: Zone) => z.spec?.annotations[DECLARED_FROM] ?? "";
    for (const z of zones) {
      const from = declared(z);
      if (!from.startsWith(options.dir + "/") || present.has(from)) continue;
      const name = z.spec?.name ?? z.id;
      if (busy.has(name)) continue;
      carryOut(undefined, name, [{
        kind: "destroy-zone",
        zone: name,
        zoneId: z.id,
        reason: `its declaration ${from} was removed`,
      }]);
    }
  };

  return (async () => {
    await runTicks("declared zones", tick, { intervalMs: options.intervalMs, log, signal });
    await Promise.allSettled(busy.values());
  })();
}
