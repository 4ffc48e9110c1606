/** deno.json permission sets as `deno run` flags, rebased under a --root. */
export { permissionFlags, type PermissionSet, readPermissionSet } from "./permission_flags.ts";
