import { createClient } from "@connectrpc/connect";
import { ControlService, ZoneState } from "../proto/mod.ts";
import { createUnixTransport, serverStream } from "../lib/rpc/mod.ts";
import { sleep } from "../lib/async/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import type { Reservations } from "./reservations/reservations.ts";
import type { ZoneNetworks } from "./zone_networks.ts";

/**
 * Follows protect-daemon's event stream: a destroyed zone is detached (link,
 * routes, rules) and its reservation released (unless retained). Each
 * (re)connection first does the same for zones that vanished while either
 * daemon was down.
 */
export async function followZones(
  daemonSocket: string,
  reservations: Reservations,
  zones: ZoneNetworks,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  let quiet = false;
  while (!signal.aborted) {
    const transport = createUnixTransport(daemonSocket);
    try {
      const client = createClient(ControlService, transport);
      const { zones: listed } = await client.listZones({}, { signal });
      const present = new Set(listed.map((z) => z.id));
      const known = new Set([
        ...zones.attachedZones(),
        ...reservations.list().map((r) => r.zoneId).filter((id) => id),
      ]);
      for (const zoneId of known) {
        if (!present.has(zoneId)) await release(zoneId, "zone is gone");
      }
      log.info("following protect-daemon's zone events", { socket: daemonSocket });
      quiet = false;
      // Not client.watchEvents: connect's client keeps every message of a call until it ends.
      const events = serverStream(daemonSocket, ControlService.method.watchEvents, {}, signal);
      for await (const { event } of events) {
        if (event.case === "zoneChanged" && event.value.status?.state === ZoneState.DESTROYED) {
          await release(event.value.id, "zone destroyed");
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      // The daemon may simply not be up yet; say so once, not every retry.
      if (!quiet) log.warn("cannot follow protect-daemon; retrying", { error });
      quiet = true;
    } finally {
      transport.close(); // one per attempt: a retry loop must not pile up HTTP clients
    }
    await sleep(2000, signal);
  }

  async function release(zoneId: string, why: string) {
    await zones.detach(zoneId).catch((error) =>
      log.error("could not detach the zone's network", { zone: zoneId, error })
    );
    const id = reservations.releaseZone(zoneId);
    if (id) log.info("reservation released", { id, zone: zoneId, why });
  }
}
