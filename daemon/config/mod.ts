/** daemon.toml: the daemon's settings and their defaults. */
export * from "./daemon_config.ts";
export { DEFAULT_IDM_POLICY } from "../idm/idm_policy.ts";
export { DEFAULT_IDM_LIMITS } from "../idm/idm_rate_limits.ts";
