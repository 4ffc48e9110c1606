import type { WorkloadSpec } from "../../proto/mod.ts";
import { WorkloadState, ZoneState } from "../../proto/mod.ts";

/**
 * The command as `docker run` composes it: the image's ENTRYPOINT stays and given args
 * replace its CMD; a given (or cleared) entrypoint replaces the ENTRYPOINT and drops the CMD.
 */
export function composeArgv(
  spec: WorkloadSpec,
  imageEntrypoint: readonly string[],
  imageCmd: readonly string[],
): string[] {
  const p = spec.process;
  const args = p?.args ?? [];
  if (p?.entrypoint.length || p?.clearEntrypoint) return [...(p.entrypoint ?? []), ...args];
  return [...imageEntrypoint, ...(args.length ? args : imageCmd)];
}

/** Zone states in which no workload runs, and how an error message says it. */
export const ZONE_ENDED = new Map<ZoneState, string>([
  [ZoneState.EXITED, "exited"],
  [ZoneState.FAILED, "failed"],
  [ZoneState.DESTROYING, "is being destroyed"],
  [ZoneState.DESTROYED, "was destroyed"],
]);
/** Workload states that may still produce output, and that a zone's end interrupts. */
export const LIVE_WORKLOAD_STATES: ReadonlySet<WorkloadState> = new Set([
  WorkloadState.CREATING,
  WorkloadState.CREATED,
  WorkloadState.RUNNING,
]);
