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
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!exists(path)) {
    if (Date.now() > deadline) throw new Error(`${what} ${path} did not appear`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
