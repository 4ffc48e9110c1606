/** Declared zones: zones.d kept running, with restart back-off. */
export { Backoff } from "./backoff.ts";
export { type DeclaredZonesOptions, runDeclaredZones } from "./declared_zones.ts";
