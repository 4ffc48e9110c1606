/** The xenstore daemons Xen ships, by process name (/proc/PID/comm). */
const XENSTORE_DAEMONS = ["oxenstored", "xenstored"];

/**
 * Which xenstore daemon serves this host: "oxenstored" (OCaml, memory-safe),
 * "xenstored" (C) or "unknown". Found by process name, as no xenstore request
 * tells the two apart. `proc` is /proc (a test may pass another tree).
 */
export function xenstoreDaemon(proc = "/proc"): string {
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync(proc);
  } catch {
    return "unknown";
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry.name)) continue;
    let comm: string;
    try {
      comm = Deno.readTextFileSync(`${proc}/${entry.name}/comm`).trim();
    } catch {
      continue; // the process ended while we looked
    }
    if (XENSTORE_DAEMONS.includes(comm)) return comm;
  }
  return "unknown";
}
