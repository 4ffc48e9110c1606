import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { createLogger } from "../../lib/log/mod.ts";
import type { NetworkConnection } from "../clients/network_client.ts";
import type { ZoneRecord } from "../state/mod.ts";
import { ZoneNetworking } from "./zone_network.ts";

const ZONE = { id: "6e06bda7-cbd0-4826-a09a-db1d7d116067", name: "web", spec: {} } as ZoneRecord;
const quiet = createLogger("test", { level: "error", sink: () => {} });

/** protect-network as the daemon's client sees it, counting calls; `held` is the zone's MAC if any. */
function fakeNetwork(held?: string) {
  const calls: string[] = [];
  const client = {
    createReservation: ({ zoneId }: { zoneId: string }) => {
      calls.push("create");
      if (held) {
        return Promise.reject(new ConnectError(`zone ${zoneId} already holds`, Code.AlreadyExists));
      }
      return Promise.resolve({ reservation: { zoneId, mac: "02:00:00:00:00:01" } });
    },
    listReservations: () => {
      calls.push("list");
      return Promise.resolve({ reservations: held ? [{ zoneId: ZONE.id, mac: held }] : [] });
    },
  };
  const connection = { client, error: (e: unknown) => e } as unknown as NetworkConnection;
  return { networking: new ZoneNetworking(connection, "xen", quiet), calls };
}

Deno.test("reservedMac: a new zone costs one RPC", async () => {
  const { networking, calls } = fakeNetwork();
  assert.equal(await networking.reservedMac(ZONE), "02:00:00:00:00:01");
  assert.deepEqual(calls, ["create"]);
});

Deno.test("reservedMac: a zone that already holds one (a retried launch) gets that one", async () => {
  const { networking, calls } = fakeNetwork("02:aa:bb:cc:dd:ee");
  assert.equal(await networking.reservedMac(ZONE), "02:aa:bb:cc:dd:ee");
  assert.deepEqual(calls, ["create", "list"]);
});

Deno.test("reservedMac: none for a zone without network, or without protect-network", async () => {
  const { networking, calls } = fakeNetwork();
  const offline = { ...ZONE, spec: { network: { disabled: true } } } as ZoneRecord;
  assert.equal(await networking.reservedMac(offline), undefined);
  assert.deepEqual(calls, []);
  assert.equal(await new ZoneNetworking(undefined, "xen", quiet).reservedMac(ZONE), undefined);
});
