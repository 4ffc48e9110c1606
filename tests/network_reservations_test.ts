import assert from "node:assert/strict";
import {
  cliJson,
  runCli,
  startProgramProcess,
  tempRoot,
  writeDaemonConfig,
} from "./helpers/processes.ts";

interface ReservationView {
  id: string;
  zoneId?: string;
  ipv4: string;
  ipv6: string;
  mac: string;
  gatewayIpv4: string;
  retain?: boolean;
}

Deno.test("network reservations through the CLI, daemon and protect-network: stable, released with their zone", async (t) => {
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "fake"\n[fake]\nboot_delay_ms = 0\n');
  Deno.writeTextFileSync(
    `${root}/etc/protect/network.toml`,
    '[network]\nipv4_pool = "10.75.0.0/29"\nipv6_pool = "fd00:75::/48"\n',
  );
  const daemon = await startProgramProcess("daemon", root);
  let network = await startProgramProcess("network", root);
  const list = async () =>
    (await cliJson(root, "network", "reservation", "list", "-o", "json")) as ReservationView[];
  try {
    assert.equal((await runCli(root, "zone", "launch", "-n", "web", "--wait")).code, 0);
    let zoneReservation: ReservationView;

    await t.step("a zone gets the lowest free addresses, a MAC and the gateway", async () => {
      zoneReservation = await cliJson(
        root,
        "network",
        "reservation",
        "create",
        "--zone",
        "web",
        "-o",
        "json",
      ) as ReservationView;
      assert.equal(zoneReservation.ipv4, "10.75.0.2");
      assert.equal(zoneReservation.ipv6, "fd00:75::2");
      assert.equal(zoneReservation.gatewayIpv4, "10.75.0.1");
      assert.match(zoneReservation.mac, /^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/);
    });

    await t.step("conflicts and bad input are refused clearly and change nothing", async () => {
      const again = await runCli(root, "network", "reservation", "create", "--zone", "web");
      assert.equal(again.code, 1);
      assert.match(again.stderr, /zone .* already holds reservation/);
      const kept = await runCli(
        root,
        "network",
        "reservation",
        "create",
        "--ipv4",
        "10.75.0.6",
        "--retain",
      );
      assert.equal(kept.code, 0, kept.stderr);
      const taken = await runCli(root, "network", "reservation", "create", "--ipv4", "10.75.0.6");
      assert.match(taken.stderr, /10\.75\.0\.6 is already reserved/);
      const outside = await runCli(root, "network", "reservation", "create", "--ipv4", "10.76.0.6");
      assert.match(outside.stderr, /not a zone address of 10\.75\.0\.0\/29/);
      const noZone = await runCli(root, "network", "reservation", "create", "--zone", "nope");
      assert.notEqual(noZone.code, 0);
      const badMac = await runCli(
        root,
        "network",
        "reservation",
        "create",
        "--mac",
        "01:00:5e:00:00:01",
      );
      assert.equal(badMac.code, 1);
      assert.match(badMac.stderr, /mac.*locally administered unicast/);
      const takenMac = await runCli(
        root,
        "network",
        "reservation",
        "create",
        "--mac",
        zoneReservation.mac,
      );
      assert.equal(takenMac.code, 1);
      assert.match(takenMac.stderr, /is held by another reservation/);
      assert.equal((await list()).length, 2);
    });

    await t.step("a MAC asked for is the MAC reserved", async () => {
      const mine = await cliJson(
        root,
        "network",
        "reservation",
        "create",
        "--mac",
        "02:00:00:12:34:56",
        "-o",
        "json",
      ) as ReservationView;
      assert.equal(mine.mac, "02:00:00:12:34:56");
      assert.equal((await runCli(root, "network", "reservation", "destroy", mine.id)).code, 0);
    });

    await t.step("reservations survive a protect-network restart unchanged", async () => {
      const before = await list();
      await network.stop();
      network = await startProgramProcess("network", root);
      assert.deepEqual(await list(), before);
    });

    await t.step("destroying the zone releases its reservation; standalone ones stay", async () => {
      assert.equal((await runCli(root, "zone", "destroy", "web", "--wait")).code, 0);
      const deadline = Date.now() + 10_000;
      while ((await list()).some((r) => r.id === zoneReservation.id)) {
        assert.ok(
          Date.now() < deadline,
          "the zone's reservation was not released:\n" + network.logs(),
        );
        await new Promise((r) => setTimeout(r, 200));
      }
      const left = await list();
      assert.deepEqual(left.map((r) => r.ipv4), ["10.75.0.6"]);
      assert.equal((await runCli(root, "network", "reservation", "destroy", left[0].id)).code, 0);
      assert.deepEqual(await list(), []);
    });

    await t.step("without protect-network the daemon says so", async () => {
      await network.stop();
      const r = await runCli(root, "network", "reservation", "list");
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /protect-network is not running/);
    });
  } finally {
    await network.stop().catch(() => {});
    await daemon.stop();
  }
});
