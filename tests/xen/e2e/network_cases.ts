/** Networking over vifs: zone to zone, published ports on dom0, isolation, teardown. (Imported in order by ../e2e_test.ts.) */
import assert from "node:assert/strict";
import { zoneLinkName } from "../../../lib/zone_link/mod.ts";
import { domains, IMAGE, ok, pingFrom, protect, run, timed, until, zone } from "../e2e_helpers.ts";
import { opts } from "./e2e_options.ts";

Deno.test(
  "network over vifs: zone↔zone HTTP and ping, a published port on dom0, isolation",
  opts,
  async () => {
    // web publishes 8080; iso publishes 8081 and is isolated from other zones. e1 is the client.
    await timed("2 networked zones launched concurrently (to READY)", () =>
      Promise.all([
        ok("zone", "launch", "-n", "web", "-p", "8080:80", "--wait"),
        ok("zone", "launch", "-n", "iso", "-p", "8081:80", "--network-isolation", "--wait"),
      ]));
    const [web, iso, e1] = [await zone("web"), await zone("iso"), await zone("e1")];
    for (const z of [web, iso, e1]) {
      assert.match(z.status.ipv4 ?? "", /^10\.75\.\d+\.\d+$/, `${z.spec.name} has an IPv4`);
      // The vif carries the zone's link name, so protect-network's rules cover it.
      const vifname = await run(
        "xenstore-read",
        `/local/domain/0/backend/vif/${z.status.domainId}/0/vifname`,
      );
      assert.equal(vifname.stdout.trim(), zoneLinkName(z.id));
      assert.equal((await run("ip", "link", "show", zoneLinkName(z.id))).code, 0);
    }
    // The vif was built with the zone's reserved MAC, and the zone uses it.
    const reservations = JSON.parse(await ok("network", "reservation", "list", "-o", "json")) as {
      zoneId?: string;
      mac: string;
    }[];
    const webMac = reservations.find((r) => r.zoneId === web.id)?.mac;
    assert.ok(webMac, "web holds a reservation");
    const backendMac = await run(
      "xenstore-read",
      `/local/domain/0/backend/vif/${web.status.domainId}/0/mac`,
    );
    assert.equal(backendMac.stdout.trim(), webMac);
    assert.match(
      await ok("zone", "exec", "web", "--", "cat", "/sys/class/net/eth0/address"),
      new RegExp(webMac),
    );
    for (const [name, text] of [["web", "hello-web"], ["iso", "hello-iso"]]) {
      await ok(
        "workload",
        "launch",
        "-d",
        "--zone",
        name,
        "-n",
        `${name}-httpd`,
        IMAGE,
        "--",
        "sh",
        "-c",
        `mkdir -p /www && echo ${text} > /www/index.html && exec busybox httpd -f -p 80 -h /www`,
      );
    }
    // From the zone itself (zone exec: no workload start per fetch).
    const fetchFrom = (z: string, url: string, seconds = 10) =>
      protect(
        "zone",
        "exec",
        z,
        "--",
        "busybox",
        "timeout",
        `${seconds}`,
        "busybox",
        "wget",
        "-q",
        "-O",
        "-",
        url,
      );
    const dom0Fetch = (url: string) =>
      run("busybox", "timeout", "10", "busybox", "wget", "-q", "-O", "-", url);
    await timed("zone→zone HTTP over a vif (IPv4)", async () => {
      const v4 = await until("web serving e1 over IPv4", 60, async () => {
        const r = await fetchFrom("e1", `http://${web.status.ipv4}/`);
        return r.code === 0 ? r : undefined;
      });
      assert.equal(v4.stdout, "hello-web\n");
    });
    const v6 = await fetchFrom("e1", `http://[${web.status.ipv6}]/`);
    assert.equal(v6.stdout, "hello-web\n", v6.stderr);
    const ping = await pingFrom("e1", web.status.ipv4!);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    // Published ports: dom0's loopback reaches both zones, isolated or not.
    assert.equal((await dom0Fetch("http://127.0.0.1:8080/")).stdout, "hello-web\n");
    const published = await until("iso's published port", 60, async () => {
      const r = await dom0Fetch("http://127.0.0.1:8081/");
      return r.code === 0 ? r : undefined;
    });
    assert.equal(published.stdout, "hello-iso\n");
    // Isolation: iso neither reaches nor is reached by other zones.
    assert.notEqual((await fetchFrom("e1", `http://${iso.status.ipv4}/`, 5)).code, 0);
    assert.notEqual((await fetchFrom("iso", `http://${web.status.ipv4}/`, 5)).code, 0);
    // Teardown: no domain, vif backend, link or route to the zone's addresses.
    await Promise.all(["web", "iso"].map((n) => ok("zone", "destroy", n, "--wait")));
    for (const z of [web, iso]) {
      assert.ok(!(await domains()).some((d) => d.domid === z.status.domainId));
      const backend = await run("xenstore-ls", `/local/domain/0/backend/vif/${z.status.domainId}`);
      assert.notEqual(backend.code, 0, `vif backend left for ${z.spec.name}`);
      assert.notEqual((await run("ip", "link", "show", zoneLinkName(z.id))).code, 0);
      const routes = (await run("ip", "route", "show")).stdout;
      assert.ok(!routes.includes(`${z.status.ipv4} `), `route to ${z.spec.name} left: ${routes}`);
    }
    assert.doesNotMatch((await run("nft", "list", "table", "inet", "protect")).stdout, /8080|8081/);
  },
);
