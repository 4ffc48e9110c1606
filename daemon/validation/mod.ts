/** Request validation: every rejection names the field and the reason. */
export { normalizeZoneSpec, validateName, type ZoneDefaults } from "./zone_spec.ts";
