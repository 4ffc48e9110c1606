import assert from "node:assert/strict";
import { join } from "node:path";
import { AddressPool } from "../ipam/mod.ts";
import { openNetworkDatabase } from "../state/network_db.ts";
import { Reservations } from "./reservations.ts";
import { isLocalUnicastMac } from "../../lib/mac/mod.ts";

const pools = () =>
  [
    new AddressPool("10.75.0.0/29", "ipv4_pool"),
    new AddressPool("fd00:75::/48", "ipv6_pool"),
  ] as const;
const zone = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

Deno.test("reservations: one per zone, stable across a reopen, released unless retained", () => {
  const path = join(Deno.makeTempDirSync(), "network.db");
  let db = openNetworkDatabase(path);
  let r = new Reservations(db, ...pools());
  const a = r.create({ zoneId: zone(1) });
  assert.deepEqual([a.ipv4, a.ipv6], ["10.75.0.2", "fd00:75::2"]);
  assert.ok(isLocalUnicastMac(a.mac), a.mac);
  assert.throws(() => r.create({ zoneId: zone(1) }), /already holds reservation/);
  const kept = r.create({ zoneId: zone(2), retain: true });
  const standalone = r.create({ zoneId: "", ipv4: "10.75.0.6" });
  assert.equal(standalone.ipv4, "10.75.0.6");
  db.close();

  db = openNetworkDatabase(path);
  r = new Reservations(db, ...pools()); // a restarted protect-network
  assert.deepEqual(r.list().map((x) => x.ipv4), ["10.75.0.2", "10.75.0.3", "10.75.0.6"]);
  assert.equal(r.releaseZone(zone(1)), a.id);
  assert.equal(r.releaseZone(zone(2)), undefined, "retained");
  assert.equal(
    r.create({ zoneId: zone(3) }).ipv4,
    "10.75.0.2",
    "the released address is free again",
  );
  r.destroy(kept.id);
  assert.throws(() => r.destroy(kept.id), /no network reservation/);
  db.close();
});

Deno.test("reservations: conflicts, exhaustion and bad zone IDs change nothing", () => {
  const db = openNetworkDatabase(":memory:");
  const r = new Reservations(db, ...pools());
  r.create({ zoneId: zone(1), ipv4: "10.75.0.4" });
  assert.throws(
    () => r.create({ zoneId: zone(2), ipv4: "10.75.0.4" }),
    /10\.75\.0\.4 is already reserved/,
  );
  assert.throws(() => r.create({ zoneId: "not-a-uuid" }), /invalid zone_id/);
  for (const n of [3, 4, 5, 6]) r.create({ zoneId: zone(n) }); // .2 .3 .5 .6
  assert.throws(
    () => r.create({ zoneId: zone(7) }),
    /is exhausted \(5 zone addresses, all reserved\)/,
  );
  assert.equal(r.list().length, 5);
  db.close();
});

Deno.test("reservations: a requested MAC is kept; a bad or taken one is refused, changing nothing", () => {
  const r = new Reservations(openNetworkDatabase(join(Deno.makeTempDirSync(), "n.db")), ...pools());
  const a = r.create({ zoneId: zone(1), mac: "02:00:00:00:00:01" });
  assert.equal(a.mac, "02:00:00:00:00:01");
  assert.throws(
    () => r.create({ zoneId: zone(2), mac: "02:00:00:00:00:01" }),
    /MAC 02:00:00:00:00:01 is held/,
  );
  for (const bad of ["00:16:3e:00:00:01", "02:00:00:00:00:0G", "02-00-00-00-00-01"]) {
    assert.throws(() => r.create({ zoneId: zone(2), mac: bad }), /mac: must be a lowercase/);
  }
  assert.equal(r.list().length, 1, "nothing else was reserved");
});
