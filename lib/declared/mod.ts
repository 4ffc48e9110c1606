/**
 * Declared zones: a TOML file names a zone and the workloads it keeps running. Shared by the
 * CLI (`zone diff|apply -f`) and protect-orchestrator (which keeps /etc/protect/zones.d).
 */
export {
  type Declaration,
  DECLARED_FROM,
  DECLARED_HASH,
  type DeclaredWorkload,
  fnv1a64,
  parseDeclaration,
  type RestartPolicy,
} from "./declaration.ts";
export { type DeclaredAction, describeAction, planDeclaration } from "./plan.ts";
export { applyDeclaration, type ApplyOptions } from "./apply.ts";
export { ZONE_SHAPE_KEYS, zoneShape } from "./zone_shape.ts";
