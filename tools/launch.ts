/**
 * Starts a protect program under its deno.json permission set, rebased under
 * --root when one is given: `deno run -A tools/launch.ts daemon --root /tmp/x`.
 * The launcher needs broad rights only to spawn; the program gets its own set.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { permissionFlags, readPermissionSet, RUN_FLAGS } from "../lib/permissions/mod.ts";

const PROGRAMS: Record<string, { set: string; entry: string }> = {
  daemon: { set: "daemon", entry: "daemon/main.ts" },
  // The daemon with the process driver: may run unshare(1) and read /proc.
  "daemon-process": { set: "daemon-process", entry: "daemon/main.ts" },
  // The daemon with the Xen driver: unscoped FFI for the Xen libraries.
  "daemon-xen": { set: "daemon-xen", entry: "daemon/main.ts" },
  storage: { set: "storage", entry: "storage/main.ts" },
  network: { set: "network", entry: "network/main.ts" },
  cri: { set: "cri", entry: "cri/main.ts" },
  orchestrator: { set: "orchestrator", entry: "orchestrator/main.ts" },
  protect: { set: "cli", entry: "protect/main.ts" },
};

const repo = join(fileURLToPath(import.meta.url), "../..");
const [name, ...args] = Deno.args;
const program = PROGRAMS[name ?? ""];
if (!program) {
  console.error(`usage: launch.ts <${Object.keys(PROGRAMS).join("|")}> [args...]`);
  Deno.exit(2);
}
const rootIndex = args.findIndex((a) => a === "--root");
const root = args.find((a) => a.startsWith("--root="))?.slice(7) ??
  (rootIndex >= 0 ? args[rootIndex + 1] : "/");
const flags = permissionFlags(readPermissionSet(join(repo, "deno.json"), program.set), root);
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", ...RUN_FLAGS, ...flags, join(repo, program.entry), ...args],
  stdin: "inherit",
}).spawn();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => child.kill(signal));
}
Deno.exit((await child.status).code);
