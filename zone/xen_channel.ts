import { Vchan, XenStore } from "../xen/mod.ts";
import type { IdmTransport } from "../lib/idm/mod.ts";

/** Where the daemon offers each zone its IDM ring (relative to the zone's xenstore home). */
const IDM_PATH = "data/protect/idm";
/** Rewritten by the daemon each time it offers a new ring. */
const SESSION_PATH = "data/protect/idm-session";

/**
 * The zone side of IDM on Xen: a vchan client to dom0's ring. The daemon is
 * the server (DESIGN.md); the agent connects, and reconnects when the session
 * key changes because a restarted daemon cannot close the old ring for us.
 */
export class XenHostChannel {
  #xs = new XenStore();
  #session?: string;

  connect(): Promise<IdmTransport> {
    this.#session = this.#xs.read(SESSION_PATH);
    if (!this.#session) return Promise.reject(new Error("the host has not offered a ring yet"));
    return Promise.resolve(Vchan.client({ logger: null, domid: 0, path: IDM_PATH }));
  }

  /** Resolves once the daemon has replaced the ring we are connected to. */
  async replaced(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, 2000));
      if (this.#xs.read(SESSION_PATH) !== this.#session) return;
    }
    throw new Error("aborted");
  }
}

/** The zone ID the daemon put on the kernel command line (`protect.zone=`). */
export function zoneIdFromCmdline(cmdline: string): string {
  const match = cmdline.match(/(?:^|\s)protect\.zone=([0-9a-f-]{36})(?:\s|$)/);
  return match?.[1] ?? "";
}
