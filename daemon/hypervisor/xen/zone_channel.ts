import type { Packet } from "../../../proto/gen/protect/idm/v1/idm_pb.ts";
import { type Direction, IdmPeer } from "../../../lib/idm/mod.ts";
import type { Logger } from "../../../lib/log/mod.ts";
import { Vchan, type XenStore } from "../../../xen/mod.ts";
import { gateOnHello } from "../hello_gate.ts";
import { idmPath, idmSessionPath } from "./xenstore_paths.ts";

const HELLO_TIMEOUT_MS = 10_000;

export interface ZoneChannelOptions {
  xs: XenStore;
  /** xentoollog logger for libxenvchan. */
  logger: Deno.PointerValue;
  zoneId: string;
  domid: number;
  log: Logger;
  onPacket?: (direction: Direction, packet: Packet) => void;
  /** The agent said hello with this zone's ID: the channel is the zone's. */
  onHello: (peer: IdmPeer) => void;
  /** The channel ended (the agent closed its end, or it was dropped). */
  onClosed: () => void;
}

/**
 * Offers a zone a fresh IDM channel over vchan. Only an agent whose first
 * event is a hello naming this zone, within HELLO_TIMEOUT_MS, gets it.
 */
export function offerZoneChannel(o: ZoneChannelOptions): { vchan: Vchan; peer: IdmPeer } {
  const vchan = Vchan.server({ logger: o.logger, domid: o.domid, path: idmPath(o.domid) });
  // A new session value tells a connected agent that the host side was replaced.
  o.xs.write(idmSessionPath(o.domid), crypto.randomUUID());
  const peer = new IdmPeer(vchan, { log: o.log, role: "host", onPacket: o.onPacket });
  gateOnHello(peer, {
    log: o.log,
    timeoutMs: HELLO_TIMEOUT_MS,
    notConnected: () => vchan.waiting,
    accept: (hello) => {
      if (hello.zoneId !== o.zoneId) {
        o.log.warn("zone agent hello names another zone; dropped", {
          claimed: hello.zoneId.slice(0, 64),
        });
        return false;
      }
      o.onHello(peer);
      o.log.info("zone agent connected over vchan");
      return true;
    },
  });
  peer.done.then(o.onClosed);
  return { vchan, peer };
}
