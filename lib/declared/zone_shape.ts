import type { MessageInitShape } from "@bufbuild/protobuf";
import { HypervisorBackend, ResourcePolicy, type ZoneResourcesSchema } from "../../proto/mod.ts";
import { InvalidArgumentError } from "../errors/mod.ts";
// fields.ts, not mod.ts: the CLI bundles this, and mod.ts brings the config file code (node:path).
import { stringList } from "../config/fields.ts";

/**
 * The settings that make a zone's shape (what its guest is built with), as TOML keys: a
 * zones.d declaration's [zone] and orchestrator.toml's [[pool]] take the same ones.
 */
export const ZONE_SHAPE_KEYS = [
  "memory_mib",
  "min_memory_mib",
  "max_memory_mib",
  "cpus",
  "min_cpus",
  "max_cpus",
  "policy",
  "backend",
  "kernel",
  "initrd",
  "kernel_options",
] as const;

const BACKENDS: Record<string, HypervisorBackend> = {
  "": HypervisorBackend.UNSPECIFIED,
  auto: HypervisorBackend.AUTO,
  pv: HypervisorBackend.PV,
  pvh: HypervisorBackend.PVH,
};
const POLICIES: Record<string, ResourcePolicy> = {
  static: ResourcePolicy.STATIC,
  dynamic: ResourcePolicy.DYNAMIC,
};

/** A string, or a positive whole number, at `key` of `t`; `fallback` when absent. */
export function field<T>(
  t: Record<string, unknown>,
  key: string,
  where: string,
  kind: "string" | "number",
  fallback: T,
): T {
  const v = t[key];
  if (v === undefined) return fallback;
  const ok = kind === "number" ? Number.isInteger(v) && (v as number) > 0 : typeof v === "string";
  if (!ok) {
    throw new InvalidArgumentError(
      `${where}${key}`,
      kind === "number" ? "must be a positive whole number" : "must be a string",
    );
  }
  return v as T;
}

function choice<T>(
  t: Record<string, unknown>,
  key: string,
  where: string,
  map: Record<string, T>,
  fallback: string,
): T {
  const v = field(t, key, where, "string", fallback);
  if (!(v in map)) {
    throw new InvalidArgumentError(
      `${where}${key}`,
      `must be one of ${Object.keys(map).filter((k) => k).join(", ")}`,
    );
  }
  return map[v];
}

/** The ZoneSpec fields a shape sets. */
export interface ZoneShape {
  resources: MessageInitShape<typeof ZoneResourcesSchema>;
  backend: HypervisorBackend;
  kernel: string;
  initrd: string;
  kernelOptions: string[];
}

/**
 * A zone's shape from the ZONE_SHAPE_KEYS of `t` (`where` prefixes the key in errors). A
 * setting left out is the daemon's default, as for `zone launch` without the flag.
 */
export function zoneShape(t: Record<string, unknown>, where: string): ZoneShape {
  const num = (key: string) => field(t, key, where, "number", 0);
  return {
    resources: {
      targetMemoryMib: BigInt(num("memory_mib")),
      minMemoryMib: BigInt(num("min_memory_mib")),
      maxMemoryMib: BigInt(num("max_memory_mib")),
      targetCpus: num("cpus"),
      minCpus: num("min_cpus"),
      maxCpus: num("max_cpus"),
      policy: choice(t, "policy", where, POLICIES, "static"),
    },
    backend: choice(t, "backend", where, BACKENDS, ""),
    kernel: field(t, "kernel", where, "string", ""),
    initrd: field(t, "initrd", where, "string", ""),
    kernelOptions: stringList(t, "kernel_options", where),
  };
}
