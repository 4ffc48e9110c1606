/** deno.json permission sets as `deno run` flags, rebased under a --root. */
export { permissionFlags, type PermissionSet, readPermissionSet } from "./permission_flags.ts";
/** The other `deno run` flags every protect program runs with. */
export { RUN_FLAGS } from "./run_flags.ts";
