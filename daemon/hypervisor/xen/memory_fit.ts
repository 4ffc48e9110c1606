import type { ZoneSpec } from "../../../proto/mod.ts";

/** What Xen takes per domain beyond its memory target: page tables, the p2m, rings (a margin). */
const OVERHEAD_MIB = 8n;

/**
 * Why a zone cannot boot on `freeBytes` of Xen's free memory, or undefined when it fits.
 * Said before libxl is asked, which would fail half way with a bare ENOMEM.
 */
export function memoryFitProblem(spec: ZoneSpec, freeBytes: bigint): string | undefined {
  const needMib = (spec.resources?.targetMemoryMib ?? 0n) + OVERHEAD_MIB;
  const freeMib = freeBytes / 1024n / 1024n;
  if (needMib <= freeMib) return undefined;
  return `spec.resources: the zone needs ${needMib} MiB to boot (its target and ${OVERHEAD_MIB} MiB ` +
    `for Xen) and Xen has ${freeMib} MiB free; lower --memory, or free memory (destroy a zone, ` +
    "or let DYNAMIC zones shrink)";
}
