import assert from "node:assert/strict";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import { UnavailableError } from "../../lib/errors/mod.ts";
import { PeerWaiters } from "./peer_waiters.ts";

Deno.test("PeerWaiters: a connection reaches every waiter; a dead zone's wait ends Unavailable", async () => {
  const waiters = new PeerWaiters();
  const peer = { name: "peer" } as unknown as IdmPeer;
  const a = waiters.wait("z1", 1_000);
  const b = waiters.wait("z1", 0);
  waiters.connected("z1", peer);
  assert.equal(await a, peer);
  assert.equal(await b, peer);
  await assert.rejects(
    waiters.wait("z2", 20),
    (e) => e instanceof UnavailableError && /zone z2's agent is not connected/.test(e.message),
  );
  waiters.connected("z2", peer); // nobody left waiting: nothing to resolve, no error
});
