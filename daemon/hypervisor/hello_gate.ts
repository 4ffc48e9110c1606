import { fromBinary } from "@bufbuild/protobuf";
import { type Hello, HelloSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";

export interface HelloGate {
  log: Logger;
  timeoutMs: number;
  /** True while the other end has not even connected (a vchan server): no hello is due yet. */
  notConnected?: () => boolean;
  /** Checks the agent's hello (zone ID, token) and takes the channel; false drops it (log why). */
  accept: (hello: Hello) => boolean;
}

/**
 * A new IDM channel belongs to a zone only once its agent's hello is accepted.
 * No hello within the timeout, or one refused, and the channel is closed.
 */
export function gateOnHello(peer: IdmPeer, gate: HelloGate): void {
  const timer = setTimeout(() => {
    if (gate.notConnected?.()) return;
    gate.log.warn("zone agent connected but never said hello; dropped");
    peer.close();
  }, gate.timeoutMs);
  peer.onEvent("hello", (payload) => {
    clearTimeout(timer);
    if (!gate.accept(fromBinary(HelloSchema, payload))) peer.close();
  });
  peer.done.then(() => clearTimeout(timer));
}
