/** Seccomp profiles in the OCI runtime-spec format: checked by the daemon, applied in zones. */
export { MAX_SECCOMP_PROFILE_BYTES, parseSeccompProfile } from "./parse_profile.ts";
