import type { Packet } from "../../../proto/gen/protect/idm/v1/idm_pb.ts";
import { connTransport, type Direction, IdmPeer } from "../../../lib/idm/mod.ts";
import type { Logger } from "../../../lib/log/mod.ts";
import { gateOnHello } from "../hello_gate.ts";
import { PeerWaiters } from "../peer_waiters.ts";

/** Time an agent has to say hello after connecting. */
const HELLO_TIMEOUT_MS = 5_000;

/**
 * The process driver's one IDM socket. Each agent connects, says hello with
 * its zone ID and the token the host gave it, and becomes that zone's peer;
 * anything else is logged and dropped. (Per-zone socket paths would need a
 * net grant per path, which Deno permission sets cannot express.)
 */
export class ZoneEndpoint {
  #listener: Deno.UnixListener;
  #tokens = new Map<string, string>();
  #peers = new Map<string, IdmPeer>();
  #waiters = new PeerWaiters();
  /** Told about every authenticated connection. */
  onPeer?: (zoneId: string, peer: IdmPeer) => void;
  /** Sees every packet (zone ID "" before the agent has said who it is). */
  onPacket?: (zoneId: string, direction: Direction, packet: Packet) => void;

  constructor(readonly path: string, private readonly log: Logger) {
    try {
      Deno.removeSync(path);
    } catch { /* not there */ }
    this.#listener = Deno.listen({ transport: "unix", path });
    Deno.chmodSync(path, 0o600);
    this.#accept().catch((error) => log.error("zone endpoint stopped", { error }));
  }

  /** Expects `zoneId` to connect with `token`. */
  expect(zoneId: string, token: string): void {
    this.#tokens.set(zoneId, token);
  }

  forget(zoneId: string): void {
    this.#tokens.delete(zoneId);
    this.#peers.get(zoneId)?.close();
    this.#peers.delete(zoneId);
  }

  /** The zone's connected peer, waiting for it if needed. */
  /** The zone's channel once its agent has said hello; Unavailable after `timeoutMs` (0: no limit). */
  peer(zoneId: string, timeoutMs?: number): Promise<IdmPeer> {
    const peer = this.#peers.get(zoneId);
    return peer ? Promise.resolve(peer) : this.#waiters.wait(zoneId, timeoutMs);
  }

  close(): void {
    for (const peer of this.#peers.values()) peer.close();
    try {
      this.#listener.close();
    } catch { /* closed */ }
  }

  async #accept(): Promise<void> {
    for await (const conn of this.#listener) {
      let zoneId = "";
      const peer = new IdmPeer(connTransport(conn), {
        log: this.log,
        role: "host",
        onPacket: (direction, packet) => this.onPacket?.(zoneId || "", direction, packet),
      });
      gateOnHello(peer, {
        log: this.log,
        timeoutMs: HELLO_TIMEOUT_MS,
        accept: (hello) => {
          const expected = this.#tokens.get(hello.zoneId);
          if (!expected || expected !== hello.token) {
            this.log.warn("zone agent hello refused (unknown zone or wrong token)", {
              zone: hello.zoneId.slice(0, 64),
            });
            return false;
          }
          zoneId = hello.zoneId;
          this.#peers.get(hello.zoneId)?.close(); // a reconnect replaces the old channel
          this.#peers.set(hello.zoneId, peer);
          peer.done.then(() => {
            if (this.#peers.get(hello.zoneId) === peer) this.#peers.delete(hello.zoneId);
          });
          this.onPeer?.(hello.zoneId, peer);
          this.#waiters.connected(hello.zoneId, peer);
          this.log.info("zone agent connected", { zone: hello.zoneId });
          return true;
        },
      });
    }
  }
}
