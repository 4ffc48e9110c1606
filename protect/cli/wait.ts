import { Code, ConnectError } from "@connectrpc/connect";
import { type WatchEventsResponse, type Zone, ZoneState } from "../../proto/mod.ts";
import type { ControlClient } from "./client.ts";
import { CliError, EXIT } from "./exit_codes.ts";

/** What a wait decides from the zone's current value (undefined = zone gone). */
export type ZoneVerdict = "done" | "continue" | { failed: string };

/**
 * Waits until `decide` says done, following the event stream and re-reading
 * the zone now and then so a missed event cannot hang the wait. Returns the
 * zone as it was when done (undefined if it is gone), so no second read is needed.
 */
export async function waitForZone(
  client: ControlClient,
  zoneId: string,
  decide: (zone: Zone | undefined) => ZoneVerdict,
  timeoutMs: number,
): Promise<Zone | undefined> {
  const abort = new AbortController();
  const deadline = setTimeout(() => abort.abort(), timeoutMs);
  // Opened only when first needed: a call opened and then aborted unread
  // would reject with nobody listening.
  let events: AsyncIterator<WatchEventsResponse> | undefined;
  const read = async () => {
    try {
      return (await client.getZone({ zoneId })).zone;
    } catch (e) {
      if (e instanceof ConnectError && e.code === Code.NotFound) return undefined;
      throw e;
    }
  };
  // One outstanding read of the stream at a time; its rejection on abort is expected.
  let pending: Promise<IteratorResult<WatchEventsResponse>> | undefined;
  try {
    let zone = await read();
    while (true) {
      const verdict = decide(zone);
      if (verdict === "done") return zone;
      if (verdict !== "continue") throw new CliError(verdict.failed, EXIT.failed);
      if (!pending) {
        events ??= client.watchEvents({}, { signal: abort.signal })[Symbol.asyncIterator]();
        pending = events.next();
        pending.catch(() => {});
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const next = await Promise.race([
        pending,
        new Promise<"poll">((r) => timer = setTimeout(() => r("poll"), 1000)),
      ]);
      clearTimeout(timer);
      if (abort.signal.aborted) break;
      if (next === "poll") {
        zone = await read();
        continue;
      }
      pending = undefined;
      if (next.done) {
        zone = await read();
      } else if (next.value.event.case === "zoneChanged" && next.value.event.value.id === zoneId) {
        zone = next.value.event.value;
        if (zone.status?.state === ZoneState.DESTROYED) zone = undefined;
      }
    }
  } catch (e) {
    if (!abort.signal.aborted) throw e;
  } finally {
    clearTimeout(deadline);
    abort.abort();
  }
  throw new CliError(`gave up waiting after ${timeoutMs / 1000}s`, EXIT.timeout);
}
