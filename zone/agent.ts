import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  BootstrapSchema,
  PingSchema,
  PongSchema,
  ReadySchema,
} from "../proto/gen/protect/idm/v1/idm_pb.ts";
import type { Logger } from "../lib/log/mod.ts";
import { IdmPeer, type IdmTransport } from "../lib/idm/mod.ts";
import { PROTECT_VERSION } from "../lib/version/mod.ts";
import { applyBootstrap, type System } from "./bootstrap.ts";

/**
 * The in-zone agent: answers the host's bootstrap, reports ready, answers
 * health checks. Workload handling arrives with the in-zone runtime.
 */
export function serveAgent(transport: IdmTransport, system: System, log: Logger): IdmPeer {
  const peer = new IdmPeer(transport, { log, role: "zone" });
  peer.onRequest("bootstrap", async (payload) => {
    const bootstrap = fromBinary(BootstrapSchema, payload);
    await applyBootstrap(bootstrap, system, log);
    // Ready goes out after the response, so the host sees them in that order.
    queueMicrotask(() => {
      peer.sendEvent(
        "ready",
        toBinary(ReadySchema, create(ReadySchema, { agentVersion: PROTECT_VERSION })),
      )
        .catch((error) => log.error("could not report ready", { error }));
    });
    return new Uint8Array();
  });
  peer.onRequest("ping", (payload) => {
    const ping = fromBinary(PingSchema, payload);
    return toBinary(PongSchema, create(PongSchema, { sequence: ping.sequence }));
  });
  return peer;
}
