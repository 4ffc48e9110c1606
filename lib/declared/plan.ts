import { type Workload, WorkloadState, type Zone, ZoneState } from "../../proto/mod.ts";
import { FailedPreconditionError } from "../errors/mod.ts";
import {
  type Declaration,
  DECLARED_FROM,
  DECLARED_HASH,
  type DeclaredWorkload,
} from "./declaration.ts";

/** One step towards a declaration, with why. */
export type DeclaredAction =
  | { kind: "create-zone"; zone: string; reason: string }
  | { kind: "replace-zone"; zone: string; zoneId: string; reason: string }
  | { kind: "restart-zone"; zone: string; zoneId: string; reason: string }
  | { kind: "create-workload"; zone: string; workload: DeclaredWorkload; reason: string }
  | {
    kind: "restart-workload";
    zone: string;
    workload: DeclaredWorkload;
    workloadId: string;
    reason: string;
  }
  | { kind: "destroy-zone"; zone: string; zoneId: string; reason: string };

const ended = (w: Workload) =>
  w.status?.state === WorkloadState.COMPLETED || w.status?.state === WorkloadState.FAILED;

/** Why a declared workload that ended must run again, or undefined when it stays ended. */
function restartReason(w: Workload, declared: DeclaredWorkload): string | undefined {
  if (!ended(w) || declared.restart === "never") return undefined;
  const s = w.status!;
  const how = s.state === WorkloadState.FAILED
    ? `failed: ${s.error || "no reason given"}`
    : `exited ${s.exitCode}${s.reason ? ` (${s.reason})` : ""}`;
  if (declared.restart === "always") {
    return `workload ${declared.spec.name} ${how}; restart = always`;
  }
  if (s.state === WorkloadState.FAILED || s.exitCode !== 0) {
    return `workload ${declared.spec.name} ${how}; restart = on-failure`;
  }
  return undefined;
}

/**
 * What it takes to make the host match `decl`, given the daemon's zones and workloads.
 * Empty when it matches (or is on its way: a zone booting, a workload starting). A zone of
 * that name not declared by this file is not ours to change: refused.
 */
export function planDeclaration(
  decl: Declaration,
  zones: Zone[],
  workloads: Workload[],
): DeclaredAction[] {
  const name = decl.zone.name;
  const zone = zones.find((z) => z.spec?.name === name);
  const all = (reason: string): DeclaredAction[] =>
    decl.workloads.map((workload) => ({ kind: "create-workload", zone: name, workload, reason }));
  if (!zone) {
    return [
      { kind: "create-zone", zone: name, reason: "declared, not running" },
      ...all("declared"),
    ];
  }
  const from = zone.spec?.annotations[DECLARED_FROM];
  if (from !== decl.source) {
    throw new FailedPreconditionError(
      `zone ${name} exists and ${from ? `was declared by ${from}` : "was not declared"}, ` +
        `not by ${decl.source}; destroy it first, or give the declaration another name`,
    );
  }
  const state = zone.status?.state ?? ZoneState.UNSPECIFIED;
  if (state === ZoneState.DESTROYING) return [];
  if (zone.spec?.annotations[DECLARED_HASH] !== decl.hash) {
    return [
      { kind: "replace-zone", zone: name, zoneId: zone.id, reason: "its declaration changed" },
      ...all("declared"),
    ];
  }
  if (state === ZoneState.FAILED || state === ZoneState.EXITED) {
    const why = zone.status?.error ? `: ${zone.status.error}` : "";
    return [
      {
        kind: "restart-zone",
        zone: name,
        zoneId: zone.id,
        reason: `zone is ${ZoneState[state]}${why}`,
      },
      ...all("declared"),
    ];
  }
  if (state !== ZoneState.READY) return [];
  const actions: DeclaredAction[] = [];
  for (const declared of decl.workloads) {
    const w = workloads.find((w) => w.zoneId === zone.id && w.spec?.name === declared.spec.name);
    if (!w) {
      actions.push({
        kind: "create-workload",
        zone: name,
        workload: declared,
        reason: "declared, not running",
      });
      continue;
    }
    const why = restartReason(w, declared);
    if (why) {
      actions.push({
        kind: "restart-workload",
        zone: name,
        workload: declared,
        workloadId: w.id,
        reason: why,
      });
    }
  }
  return actions;
}

/** One line per action, for `zone diff` and the logs. */
export function describeAction(a: DeclaredAction): string {
  switch (a.kind) {
    case "create-zone":
      return `+ zone ${a.zone} (${a.reason})`;
    case "replace-zone":
      return `~ zone ${a.zone}: destroy and create again (${a.reason})`;
    case "restart-zone":
      return `~ zone ${a.zone}: destroy and create again (${a.reason})`;
    case "create-workload":
      return `+ workload ${a.workload.spec.name} in ${a.zone} (${a.reason})`;
    case "restart-workload":
      return `~ workload ${a.workload.spec.name} in ${a.zone}: run again (${a.reason})`;
    case "destroy-zone":
      return `- zone ${a.zone} (${a.reason})`;
  }
}
