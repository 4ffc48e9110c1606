import { isAbsolute, join } from "node:path";
import { CONFIG_DIR, RUN_DIR, STATE_DIR } from "../paths/mod.ts";

/** One program's grants, as written in deno.json's "permissions" sets. */
export type PermissionSet = Record<string, boolean | string[]>;

/**
 * Turns a deno.json permission set into `deno run` flags, with protect's own
 * paths moved under `root` — so a test daemon under /tmp/x gets exactly the grant
 * production gets under /, and nothing more. deno.json stays the one source.
 */
export function permissionFlags(set: PermissionSet, root = "/"): string[] {
  const flags = ["--no-prompt"];
  for (const [kind, grant] of Object.entries(set)) {
    if (grant === false) continue;
    if (grant === true) {
      flags.push(`--allow-${kind}`);
      continue;
    }
    const rebased = grant.map((entry) => rebase(kind, entry, root));
    if (rebased.length > 0) flags.push(`--allow-${kind}=${rebased.join(",")}`);
  }
  return flags;
}

/** protect's own directories move under the root; system paths (/proc, /dev) do not. */
const OWN_DIRS = [RUN_DIR, STATE_DIR, CONFIG_DIR];
const isOwn = (path: string) => OWN_DIRS.some((d) => path === d || path.startsWith(d + "/"));

/** File paths and Unix socket addresses (`unix:/path`) of protect's own dirs move under the root. */
function rebase(kind: string, entry: string, root: string): string {
  if ((kind === "read" || kind === "write") && isAbsolute(entry) && isOwn(entry)) {
    return join(root, entry);
  }
  if (kind === "net" && entry.startsWith("unix:/") && isOwn(entry.slice(5))) {
    return "unix:" + join(root, entry.slice(5));
  }
  return entry;
}

/** Reads the named permission set from a deno.json. */
export function readPermissionSet(denoJsonPath: string, name: string): PermissionSet {
  const config = JSON.parse(Deno.readTextFileSync(denoJsonPath));
  const set = config.permissions?.[name];
  if (!set) throw new Error(`${denoJsonPath} has no permission set "${name}"`);
  return set;
}
