import { listKernelDir, readKernelFile } from "../../../xen/mod.ts";

/** The xenstore daemons Xen ships, by process name (/proc/PID/comm). */
const XENSTORE_DAEMONS = ["oxenstored", "xenstored"];

/**
 * Which xenstore daemon serves this host: "oxenstored" (OCaml, memory-safe), "xenstored"
 * (C) or "unknown". Found by process name, as no xenstore request tells the two apart;
 * /proc is read through libc (Deno opens it only under --allow-all). `proc` is /proc (a
 * test may pass another tree).
 */
export function xenstoreDaemon(proc = "/proc"): string {
  let entries: string[];
  try {
    entries = listKernelDir(proc);
  } catch {
    return "unknown";
  }
  for (const pid of entries) {
    if (!/^[0-9]+$/.test(pid)) continue;
    let comm: string;
    try {
      comm = readKernelFile(`${proc}/${pid}/comm`).trim();
    } catch {
      continue; // the process ended while we looked
    }
    if (XENSTORE_DAEMONS.includes(comm)) return comm;
  }
  return "unknown";
}
