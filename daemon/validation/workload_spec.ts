import type { WorkloadSpec } from "../../proto/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { checkVolumeName } from "../../lib/volumes/mod.ts";
import { parseSeccompProfile } from "../../lib/seccomp/mod.ts";
import { validateProcess } from "./workload_process.ts";

const MAX_MOUNTS = 64;
const MAX_LABELS = 64;
/** Kubernetes-style label keys: an optional DNS prefix and a name. */
const LABEL_KEY =
  /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
/** 1024 CPUs: more than any zone has; a larger quota is a typo. */
const MAX_CPU_MILLIS = 1_024_000;

/**
 * Checks the parts of a workload spec that the agent applies as given (mounts, tty,
 * cpu, seccomp): each either works or is refused here with the reason, never
 * accepted and dropped. (Bind sources are checked against the host when planned.)
 */
export function validateWorkloadSpec(spec: WorkloadSpec): void {
  validateLabels(spec.labels, "spec.labels");
  const entrypoint = spec.process?.entrypoint ?? [];
  if (entrypoint.length > 0 && spec.process?.clearEntrypoint) {
    throw new InvalidArgumentError("spec.process.entrypoint", "set together with clear_entrypoint");
  }
  if (spec.process) validateProcess(spec.process);
  if (spec.mounts.length > MAX_MOUNTS) {
    throw new InvalidArgumentError("spec.mounts", `more than ${MAX_MOUNTS} mounts`);
  }
  const seen = new Set<string>();
  const volumes = new Set<string>();
  spec.mounts.forEach((m, i) => {
    const field = `spec.mounts[${i}]`;
    if (m.type === "bind") {
      if (!m.source.startsWith("/")) {
        throw new InvalidArgumentError(`${field}.source`, "must be an absolute host path");
      }
    } else if (m.type === "tmpfs") {
      if (m.source !== "") {
        throw new InvalidArgumentError(`${field}.source`, "a tmpfs has no source");
      }
    } else if (m.type === "volume") {
      checkVolumeName(m.source, `${field}.source`);
      if (volumes.has(m.source)) {
        throw new InvalidArgumentError(`${field}.source`, `volume ${m.source} is mounted twice`);
      }
      volumes.add(m.source);
    } else if (m.type === "device") {
      if (!/^\/dev\/[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(m.source)) {
        throw new InvalidArgumentError(`${field}.source`, "must be a block device's path (/dev/…)");
      }
    } else {
      throw new InvalidArgumentError(
        `${field}.type`,
        `"${m.type.slice(0, 40)}" is not a mount type: "volume" (a named volume), "bind" ` +
          `(a host path), "device" (a block device given to the zone) or "tmpfs"`,
      );
    }
    const d = m.destination;
    if (!d.startsWith("/") || d === "/" || d.length > 4096 || /\0|(^|\/)\.\.?(\/|$)/.test(d)) {
      throw new InvalidArgumentError(
        `${field}.destination`,
        `"${d.slice(0, 80)}" is not an absolute path below / without . or .. parts`,
      );
    }
    if (seen.has(d)) {
      throw new InvalidArgumentError(`${field}.destination`, `${d} is mounted twice`);
    }
    seen.add(d);
  });
  const groups = spec.process?.supplementalGroups ?? [];
  if (groups.length > 32 || groups.some((g) => g > 0x7fffffff)) {
    throw new InvalidArgumentError(
      "spec.process.supplemental_groups",
      "at most 32 groups, each below 2^31",
    );
  }
  for (const key of ["maskedPaths", "readonlyPaths"] as const) {
    const field = `spec.security.${key === "maskedPaths" ? "masked_paths" : "readonly_paths"}`;
    const paths = spec.security?.[key]?.paths ?? [];
    if (paths.length > 64) throw new InvalidArgumentError(field, "more than 64 paths");
    paths.forEach((p, i) => {
      if (!p.startsWith("/") || p.length > 4096 || /\0|(^|\/)\.\.?(\/|$)/.test(p)) {
        throw new InvalidArgumentError(
          `${field}[${i}]`,
          `"${p.slice(0, 80)}" is not an absolute path`,
        );
      }
    });
  }
  const shares = spec.resources?.cpuShares ?? 0n;
  if (shares !== 0n && (shares < 2n || shares > 262144n)) {
    throw new InvalidArgumentError("spec.resources.cpu_shares", `${shares} is not 0 or 2-262144`);
  }
  const adj = spec.resources?.oomScoreAdj ?? 0;
  if (adj < -1000 || adj > 1000) {
    throw new InvalidArgumentError("spec.resources.oom_score_adj", `${adj} is not -1000..1000`);
  }
  const millis = spec.resources?.cpuMillis ?? 0;
  if (millis > MAX_CPU_MILLIS) {
    throw new InvalidArgumentError(
      "spec.resources.cpu_millis",
      `${millis} is over ${MAX_CPU_MILLIS}`,
    );
  }
  const profile = spec.security?.seccompProfile ?? "";
  if (profile !== "" && profile !== "default" && profile !== "unconfined") {
    try {
      parseSeccompProfile(profile);
    } catch (e) {
      throw new InvalidArgumentError("spec.security.seccomp_profile", (e as Error).message);
    }
  }
}

/** Label keys and values a selector can match: bounded, printable, Kubernetes-style keys. */
export function validateLabels(labels: Record<string, string>, field: string): void {
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) {
    throw new InvalidArgumentError(field, `more than ${MAX_LABELS} labels`);
  }
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) {
      throw new InvalidArgumentError(
        `${field}["${key.slice(0, 80)}"]`,
        "is not a label key (name or prefix/name)",
      );
    }
    if (value.length > 4096 || /[\0\n]/.test(value)) {
      throw new InvalidArgumentError(
        `${field}["${key}"]`,
        "value is over 4096 bytes or holds NUL/newline",
      );
    }
  }
}
