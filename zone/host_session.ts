import { create, toBinary } from "@bufbuild/protobuf";
import { HelloSchema } from "../proto/gen/protect/idm/v1/idm_pb.ts";
import { connectUnix, type IdmPeer, type IdmTransport } from "../lib/idm/mod.ts";
import type { Logger } from "../lib/log/mod.ts";

export interface SessionOptions {
  socket: string;
  zoneId: string;
  token: string;
  /** Serves one connection; returns its peer. */
  serve(transport: IdmTransport): IdmPeer;
  log: Logger;
  retryMs?: number;
}

/**
 * Keeps the agent connected to the host: connect, say hello with the zone's
 * token, serve until the host goes away, reconnect. A daemon restart thus
 * finds its zones again.
 */
export async function keepHostSession(options: SessionOptions): Promise<never> {
  const { socket, log } = options;
  while (true) {
    try {
      const peer = options.serve(await connectUnix(socket));
      // First packet on the shared endpoint: who we are, with the host's token.
      await peer.sendEvent(
        "hello",
        toBinary(
          HelloSchema,
          create(HelloSchema, { zoneId: options.zoneId, token: options.token }),
        ),
      );
      log.info("connected to the host", { socket });
      await peer.done;
      log.warn("host went away; reconnecting");
    } catch (e) {
      log.debug("host not reachable yet", { error: e });
    }
    await new Promise((r) => setTimeout(r, options.retryMs ?? 500));
  }
}
