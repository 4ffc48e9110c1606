import { writeAll } from "../../lib/bytes/mod.ts";
import type { ControlClient } from "./client.ts";
import { RequestQueue } from "../../lib/async/mod.ts";

/** Ctrl-], as `xl console` and `virsh console`: leave the console. */
export const CONSOLE_ESCAPE = 0x1d;

type ConsoleRequest = { zoneId?: string; follow?: boolean; data?: Uint8Array };

/**
 * Attaches this terminal to a zone's console (Xen: hvc0, where the agent keeps a shell):
 * its output here, our keystrokes there (raw when we are a terminal), until Ctrl-]
 * or the zone goes away.
 */
export async function runConsoleSession(client: ControlClient, zoneId: string): Promise<void> {
  const raw = Deno.stdin.isTerminal();
  const requests = new RequestQueue<ConsoleRequest>();
  requests.push({ zoneId, follow: true });
  const abort = new AbortController();
  if (raw) {
    Deno.stdin.setRaw(true);
    Deno.stderr.writeSync(new TextEncoder().encode("protect: console attached; Ctrl-] leaves\r\n"));
  }
  (async () => {
    for await (const chunk of Deno.stdin.readable) {
      const escape = raw ? chunk.indexOf(CONSOLE_ESCAPE) : -1;
      const data = escape < 0 ? chunk : chunk.subarray(0, escape);
      if (data.length) requests.push({ data });
      if (escape >= 0) return abort.abort();
    }
  })().catch(() => {});
  try {
    for await (const { data } of client.attachZoneConsole(requests, { signal: abort.signal })) {
      await writeAll(Deno.stdout, data);
    }
  } catch (e) {
    if (!abort.signal.aborted) throw e;
  } finally {
    if (raw) Deno.stdin.setRaw(false);
  }
  if (abort.signal.aborted) {
    Deno.stderr.writeSync(new TextEncoder().encode("\r\nprotect: console left\n"));
  }
}
