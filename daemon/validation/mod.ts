/** Request validation: every rejection names the field and the reason. */
export {
  normalizeZoneSpec,
  validateName,
  validatePublish,
  type ZoneDefaults,
} from "./zone_spec.ts";
export { validateLabels, validateWorkloadSpec } from "./workload_spec.ts";
export { checkZoneShares, isInside, MAX_ZONE_SHARES } from "./zone_shares.ts";
export { checkZoneKernel, isKernelReference, type KernelSources } from "./zone_kernel.ts";
