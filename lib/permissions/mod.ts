/** deno.json permission sets as `deno run` flags, rebased under a --root. */
export { type PermissionSet, permissionFlags, readPermissionSet } from "./permission_flags.ts";
