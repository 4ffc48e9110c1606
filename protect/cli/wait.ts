import { Code, ConnectError } from "@connectrpc/connect";
import { type Zone, ZoneState } from "../../proto/mod.ts";
import type { ControlClient } from "./client.ts";
import { CliError, EXIT } from "./exit_codes.ts";

/** What a wait decides from the zone's current value (undefined = zone gone). */
export type ZoneVerdict = "done" | "continue" | { failed: string };

/**
 * Waits until `decide` says done, following the event stream and re-reading
 * the zone now and then so a missed event cannot hang the wait.
 */
export async function waitForZone(
  client: ControlClient,
  zoneId: string,
  decide: (zone: Zone | undefined) => ZoneVerdict,
  timeoutMs: number,
): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const events = client.watchEvents({}, { signal: abort.signal })[Symbol.asyncIterator]();
  const read = async () => {
    try {
      return (await client.getZone({ zoneId })).zone;
    } catch (e) {
      if (e instanceof ConnectError && e.code === Code.NotFound) return undefined;
      throw e;
    }
  };
  try {
    let zone = await read();
    while (true) {
      const verdict = decide(zone);
      if (verdict === "done") return;
      if (verdict !== "continue") throw new CliError(verdict.failed, EXIT.failed);
      const next = await Promise.race([
        events.next(),
        new Promise<"poll">((r) => setTimeout(() => r("poll"), 1000)),
      ]);
      if (abort.signal.aborted) break;
      if (next !== "poll" && !next.done && next.value.event.case === "zoneChanged") {
        if (next.value.event.value.id !== zoneId) continue;
        zone = next.value.event.value;
        if (zone.status?.state === ZoneState.DESTROYED) zone = undefined;
      } else {
        zone = await read();
      }
    }
  } catch (e) {
    if (!abort.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  throw new CliError(`gave up waiting after ${timeoutMs / 1000}s`, EXIT.timeout);
}
