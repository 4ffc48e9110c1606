import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { createLogger } from "../../lib/log/mod.ts";
import type { NetworkConnection } from "../clients/network_client.ts";
import type { ZoneRecord } from "../state/mod.ts";
import { isLocalUnicastMac } from "../../lib/mac/mod.ts";
import { ZoneNetworking } from "./zone_network.ts";

const ZONE = { id: "6e06bda7-cbd0-4826-a09a-db1d7d116067", name: "web", spec: {} } as ZoneRecord;
const quiet = createLogger("test", { level: "error", sink: () => {} });

/** protect-network as the daemon's client sees it, recording the MACs asked for; `held`: the zone holds one. */
function fakeNetwork(held = false) {
  const asked: string[] = [];
  const client = {
    createReservation: ({ zoneId, mac }: { zoneId: string; mac: string }) => {
      asked.push(mac);
      if (held) {
        return Promise.reject(new ConnectError(`zone ${zoneId} already holds`, Code.AlreadyExists));
      }
      return Promise.resolve({ reservation: { zoneId, mac } });
    },
  };
  const connection = { client, error: (e: unknown) => e } as unknown as NetworkConnection;
  return { networking: new ZoneNetworking(connection, "xen", quiet), asked };
}

Deno.test("reserveNic: the MAC is known at once and reserved with one RPC", async () => {
  const { networking, asked } = fakeNetwork();
  const nic = networking.reserveNic(ZONE);
  assert.ok(nic && isLocalUnicastMac(nic.mac), "a locally administered unicast MAC");
  await nic.reserved;
  assert.deepEqual(asked, [nic.mac], "protect-network was asked for that MAC");
});

Deno.test("reserveNic: a zone that already holds a reservation keeps it; nothing rejects", async () => {
  const { networking, asked } = fakeNetwork(true);
  const nic = networking.reserveNic(ZONE);
  await nic?.reserved;
  assert.equal(asked.length, 1);
});

Deno.test("reserveNic: none for a zone without network, or without protect-network", () => {
  const { networking, asked } = fakeNetwork();
  const offline = { ...ZONE, spec: { network: { disabled: true } } } as ZoneRecord;
  assert.equal(networking.reserveNic(offline), undefined);
  assert.deepEqual(asked, []);
  assert.equal(new ZoneNetworking(undefined, "xen", quiet).reserveNic(ZONE), undefined);
});
