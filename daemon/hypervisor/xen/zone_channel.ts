import { fromBinary } from "@bufbuild/protobuf";
import { HelloSchema, type Packet } from "../../../proto/gen/protect/idm/v1/idm_pb.ts";
import { type Direction, IdmPeer } from "../../../lib/idm/mod.ts";
import type { Logger } from "../../../lib/log/mod.ts";
import { Vchan, type XenStore } from "../../../xen/mod.ts";
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
  const timer = setTimeout(() => {
    if (!vchan.waiting) {
      o.log.warn("zone agent connected but never said hello; dropped");
      peer.close();
    }
  }, HELLO_TIMEOUT_MS);
  peer.onEvent("hello", (payload) => {
    clearTimeout(timer);
    const hello = fromBinary(HelloSchema, payload);
    if (hello.zoneId !== o.zoneId) {
      o.log.warn("zone agent hello names another zone; dropped", {
        claimed: hello.zoneId.slice(0, 64),
      });
      return peer.close();
    }
    o.onHello(peer);
    o.log.info("zone agent connected over vchan");
  });
  peer.done.then(() => {
    clearTimeout(timer);
    o.onClosed();
  });
  return { vchan, peer };
}
