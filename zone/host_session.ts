import { create, toBinary } from "@bufbuild/protobuf";
import { HelloSchema } from "../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmPeer, IdmTransport } from "../lib/idm/mod.ts";
import type { Logger } from "../lib/log/mod.ts";

export interface SessionOptions {
  /** Opens the byte channel to the host (Unix socket, or vchan on Xen). */
  connect(): Promise<IdmTransport>;
  /** Where the channel is, for logs. */
  describe: string;
  zoneId: string;
  token: string;
  /** Serves one connection; returns its peer. */
  serve(transport: IdmTransport): IdmPeer;
  /**
   * Resolves when the host side was replaced under a live channel (a restarted
   * daemon on Xen offers a new ring; the old one never reports closing).
   */
  replaced?(signal: AbortSignal): Promise<void>;
  log: Logger;
  retryMs?: number;
}

/**
 * Keeps the agent connected to the host: connect, say hello with the zone's
 * token, serve until the host goes away, reconnect. A daemon restart thus
 * finds its zones again.
 */
export async function keepHostSession(options: SessionOptions): Promise<never> {
  const { log } = options;
  while (true) {
    try {
      const peer = options.serve(await options.connect());
      // First packet: who we are, with the host's token.
      await peer.sendEvent(
        "hello",
        toBinary(
          HelloSchema,
          create(HelloSchema, { zoneId: options.zoneId, token: options.token }),
        ),
      );
      // Milliseconds since the agent's process started: where a slow zone boot goes.
      log.info("connected to the host", {
        channel: options.describe,
        agentUptimeMs: Math.round(performance.now()),
      });
      const stop = new AbortController();
      if (options.replaced) {
        options.replaced(stop.signal).then(() => {
          log.warn("host offered a new channel; reconnecting");
          peer.close();
        }, () => {});
      }
      await peer.done;
      stop.abort();
      log.warn("host went away; reconnecting");
    } catch (e) {
      log.debug("host not reachable yet", { error: e });
    }
    await new Promise((r) => setTimeout(r, options.retryMs ?? 500));
  }
}
