import { exists } from "./exists.ts";

/**
 * Resolves once something exists at `path` (a device the host hot-plugs, a
 * vCPU Xen adds), checking every `pollMs`; rejects naming `what` after `timeoutMs`.
 */
export async function waitForPath(
  path: string,
  what: string,
  timeoutMs: number,
  pollMs = 100,
  /** How to look (the zone agent uses libc for device nodes Deno will not stat). */
  present: (path: string) => boolean = exists,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!present(path)) {
    if (Date.now() > deadline) throw new Error(`${what} ${path} did not appear`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
