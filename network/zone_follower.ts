import { createClient } from "@connectrpc/connect";
import { ControlService, ZoneState } from "../proto/mod.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import type { Reservations } from "./reservations/reservations.ts";

/**
 * Follows protect-daemon's event stream and releases a destroyed zone's
 * reservation (unless it is retained). Each (re)connection first releases the
 * reservations of zones that vanished while either daemon was down.
 */
export async function followZones(
  daemonSocket: string,
  reservations: Reservations,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  let quiet = false;
  while (!signal.aborted) {
    try {
      const client = createClient(ControlService, createUnixTransport(daemonSocket));
      const { zones } = await client.listZones({}, { signal });
      const present = new Set(zones.map((z) => z.id));
      for (const r of reservations.list()) {
        if (r.zoneId && !present.has(r.zoneId)) release(r.zoneId, "zone is gone");
      }
      log.info("following protect-daemon's zone events", { socket: daemonSocket });
      quiet = false;
      for await (const { event } of client.watchEvents({}, { signal })) {
        if (event.case === "zoneChanged" && event.value.status?.state === ZoneState.DESTROYED) {
          release(event.value.id, "zone destroyed");
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      // The daemon may simply not be up yet; say so once, not every retry.
      if (!quiet) log.warn("cannot follow protect-daemon; retrying", { error });
      quiet = true;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }

  function release(zoneId: string, why: string) {
    const id = reservations.releaseZone(zoneId);
    if (id) log.info("reservation released", { id, zone: zoneId, why });
  }
}
