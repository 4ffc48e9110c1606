import { relative, sep } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  WorkloadBindSchema,
  WorkloadShareBindSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { WorkloadMount } from "../../proto/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { isInside } from "../validation/mod.ts";
import { type CopyPlan, planCopies } from "./host_copies.ts";

/** How a workload's host ("bind") mounts reach its zone. */
export interface HostMountPlan {
  /** Bound live from the zone's shares. */
  shareBinds: MessageInitShape<typeof WorkloadShareBindSchema>[];
  /** Copied in before the start, bound read-only (`mount` = index in `copies`). */
  binds: MessageInitShape<typeof WorkloadBindSchema>[];
  copies?: CopyPlan;
}

/**
 * Sorts a workload's bind mounts: a source inside one of the zone's `shares` (symlinks
 * resolved) is bound from the share, live; any other must be read-only and under
 * `hostMountsDir`, and is walked for copying in. Errors name the mount's field.
 */
export function planHostMounts(
  mounts: readonly WorkloadMount[],
  shares: readonly string[],
  hostMountsDir: string,
): HostMountPlan {
  const realShares = shares.map((s) => {
    try {
      return Deno.realPathSync(s);
    } catch {
      return undefined; // gone since the zone was made: its mounts are copies or refused
    }
  });
  const plan: HostMountPlan = { shareBinds: [], binds: [] };
  const copied: { source: string; index: number }[] = [];
  mounts.forEach((m, index) => {
    if (m.type !== "bind") return;
    const field = `spec.mounts[${index}]`;
    let real: string | undefined;
    try {
      real = Deno.realPathSync(m.source);
    } catch { /* planCopies names the reason, or the writable check below */ }
    const share = real === undefined
      ? -1
      : realShares.findIndex((s) => s !== undefined && isInside(real!, s));
    if (share >= 0) {
      plan.shareBinds.push({
        share,
        path: relative(realShares[share]!, real!).split(sep).join("/"),
        destination: m.destination,
        readOnly: m.readOnly,
      });
      return;
    }
    if (!m.readOnly) {
      throw new InvalidArgumentError(
        `${field}.read_only`,
        `must be true: ${m.source} is not inside one of the zone's shares (zone spec shares), ` +
          "so it is copied into the zone at start, and nothing is copied back",
      );
    }
    plan.binds.push({ mount: copied.length, destination: m.destination });
    copied.push({ source: m.source, index });
  });
  if (copied.length > 0) {
    plan.copies = planCopies(
      copied.map((c) => c.source),
      hostMountsDir,
      (i) => `spec.mounts[${copied[i].index}].source`,
    );
  }
  return plan;
}
