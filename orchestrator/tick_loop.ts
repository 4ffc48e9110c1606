import type { Logger } from "../lib/log/mod.ts";
import { sleep } from "../lib/async/mod.ts";

/**
 * Runs `tick` every `intervalMs` until `signal` aborts. A tick that fails (protect-daemon
 * away) is logged once per outage, not once a tick, and its recovery once.
 */
export async function runTicks(
  what: string,
  tick: () => Promise<void>,
  options: { intervalMs: number; log: Logger; signal: AbortSignal },
): Promise<void> {
  const { log, signal } = options;
  let failing = false;
  while (!signal.aborted) {
    try {
      await tick();
      if (failing) log.info(`${what} reads protect-daemon again`);
      failing = false;
    } catch (error) {
      if (signal.aborted) break;
      if (!failing) log.warn(`${what} cannot read protect-daemon; retrying`, { error });
      failing = true;
    }
    await sleep(options.intervalMs, signal);
  }
}
