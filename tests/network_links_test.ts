/**
 * protect-network's routed links, NAT, published ports and isolation on real
 * kernel networking, with the process driver. All traffic stays inside network
 * namespaces this test makes: "host" (where protect-network runs, standing in
 * for dom0's network stack), "internet" (behind the host's uplink), and each
 * zone's own. No packet leaves them.
 */
import assert from "node:assert/strict";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import {
  cliJson,
  type ProgramProcess,
  runCli,
  startProgramProcess,
  tempRoot,
  writeDaemonConfig,
} from "./helpers/processes.ts";
import { pushImage, startRegistry } from "./helpers/registry.ts";
import { skipIf } from "./helpers/skip.ts";
import { canTestNetworking, createNetns, ip, type TestNetns } from "./helpers/netns.ts";

interface ZoneView {
  id: string;
  status: { state: string; ipv4?: string; ipv6?: string; error?: string };
}

Deno.test({
  ...skipIf(
    !canTestNetworking() && "needs root, ip(8), nft(8) (Debian: iproute2, nftables)",
    "zone networking: zone↔zone, egress NAT, published ports, isolation, restart, teardown",
  ),
}, async (t) => {
  const host = await createNetns("pt-host-");
  const internet = await createNetns("pt-inet-");
  const registry = await startRegistry();
  const root = tempRoot();
  const programs: ProgramProcess[] = [];
  let network: ProgramProcess | undefined;
  try {
    // The host's uplink: a veth to "internet", which has no route back to zone addresses.
    const up = `ptu${host.name.slice(8)}`;
    await ip(
      "link",
      "add",
      up,
      "netns",
      host.name,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      internet.name,
    );
    await host.run("ip", "address", "add", "192.0.2.1/24", "dev", up);
    await host.run("ip", "link", "set", up, "up");
    await host.run("ip", "route", "add", "default", "via", "192.0.2.2");
    await internet.run("ip", "address", "add", "192.0.2.2/24", "dev", "eth0");
    await internet.run("ip", "link", "set", "eth0", "up");
    // IPv6 too (documentation prefix 2001:db8::/32), also with no route back to zones.
    await host.run("ip", "-6", "address", "add", "2001:db8::1/64", "dev", up, "nodad");
    await host.run("ip", "-6", "route", "add", "default", "via", "2001:db8::2");
    await internet.run("ip", "-6", "address", "add", "2001:db8::2/64", "dev", "eth0", "nodad");
    const site = Deno.makeTempDirSync({ prefix: "pt-www-" });
    Deno.writeTextFileSync(`${site}/index.html`, "hello from the internet\n");
    const internetServer = internet.spawn("busybox", "httpd", "-f", "-p", "8000", "-h", site);

    writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
    Deno.mkdirSync(`${root}/etc/protect`, { recursive: true });
    Deno.writeTextFileSync(
      `${root}/etc/protect/network.toml`,
      '[network]\nipv4_pool = "10.75.0.0/24"\nipv6_pool = "fd00:75::/48"\ndns_servers = ["192.0.2.53"]\n',
    );
    // Only protect-network runs in "host": zone namespaces are new and empty wherever
    // the daemon runs, and storage pulls from the test registry on this loopback.
    programs.push(await startProgramProcess("daemon-process", root));
    programs.push(await startProgramProcess("storage", root));
    network = await startProgramProcess("network", root, host.name);
    const image = `${registry.host}/test/busybox:1`;
    await pushImage(registry.host, "test/busybox", "1", {
      layers: await busyboxLayers(),
      config: { Cmd: ["sh"], Env: ["PATH=/bin"] },
    });
    const cli = (...args: string[]) => runCli(root, ...args);
    const zone = async (name: string) => (await cliJson(root, "zone", "get", name)) as ZoneView;
    const inZone = (z: string, script: string) =>
      cli("workload", "launch", "--zone", z, image, "--", "sh", "-c", script);
    const serve = (z: string, name: string, text: string) =>
      cli(
        "workload",
        "launch",
        "-d",
        "--zone",
        z,
        "--name",
        name,
        image,
        "--",
        "sh",
        "-c",
        `mkdir -p /www && echo ${text} > /www/index.html && exec busybox httpd -f -p 80 -h /www`,
      );
    // Not exec'd by sh ("|| exit"): as the container's PID 1, wget would ignore timeout's signal.
    const fetchFrom = (z: string, url: string, seconds = 5) =>
      inZone(z, `busybox timeout ${seconds} busybox wget -q -O - ${url} || exit 1`);
    const hostRules = () => host.run("nft", "list", "table", "inet", "protect");
    const withoutCounters = (rules: string) =>
      rules.replace(/counter packets \d+ bytes \d+/g, "counter");
    const hostRoutes = async () =>
      (await host.run("ip", "-4", "route", "show")) + (await host.run("ip", "-6", "route", "show"));

    await t.step("two zones launch with addresses from the pool", async () => {
      const a = await cli(
        "zone",
        "launch",
        "-n",
        "web",
        "--publish",
        "8080:80",
        "--wait",
        "--timeout",
        "90",
      );
      assert.equal(a.code, 0, a.stderr + programs[0].logs() + network!.logs());
      const b = await cli("zone", "launch", "-n", "client", "--wait", "--timeout", "90");
      assert.equal(b.code, 0, b.stderr);
      const web = await zone("web");
      const client = await zone("client");
      assert.equal(web.status.ipv4, "10.75.0.2");
      assert.equal(client.status.ipv4, "10.75.0.3");
      assert.equal(web.status.ipv6, "fd00:75::2");
      const list = await cli("zone", "list");
      assert.match(list.stdout, /IPV4[\s\S]*10\.75\.0\.2/);
    });

    await t.step(
      "inside a zone: its addresses, routes via the gateway, DNS for workloads",
      async () => {
        const r = await inZone(
          "web",
          "ip -4 addr show dev eth0; ip -6 addr show dev eth0; ip route; ip -6 route; cat /etc/resolv.conf",
        );
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /inet 10\.75\.0\.2\/32/);
        assert.match(r.stdout, /inet6 fd00:75::2\/128/);
        assert.match(r.stdout, /default via 10\.75\.0\.1 dev eth0/);
        assert.match(r.stdout, /default via fd00:75::1 dev eth0/);
        assert.match(r.stdout, /nameserver 192\.0\.2\.53/);
      },
    );

    await t.step("zone↔zone: HTTP by address over IPv4 and IPv6, and ping", async () => {
      const served = await serve("web", "httpd", "hello-from-web");
      assert.equal(served.code, 0, served.stderr);
      await waitFor(async () =>
        (await fetchFrom("client", "http://10.75.0.2/")).stdout.includes("hello-from-web")
      );
      const v6 = await fetchFrom("client", "http://[fd00:75::2]/");
      assert.match(v6.stdout, /hello-from-web/, v6.stderr);
      const ping = await inZone(
        "client",
        "busybox ping -c 1 -W 2 10.75.0.2 && busybox ping -c 1 -W 2 fd00:75::2",
      );
      assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    });

    await t.step(
      "published port: reached on the host's loopback and from outside (IPv4, IPv6)",
      async () => {
        const get = (ns: TestNetns, url: string) =>
          ns.try("timeout", "5", "busybox", "wget", "-q", "-O", "-", url);
        const local = await get(host, "http://127.0.0.1:8080/");
        assert.match(local.stdout, /hello-from-web/, local.stderr + (await hostRules()));
        const outside = await get(internet, "http://192.0.2.1:8080/");
        assert.match(outside.stdout, /hello-from-web/, outside.stderr);
        const outside6 = await get(internet, "http://[2001:db8::1]:8080/");
        assert.match(outside6.stdout, /hello-from-web/, outside6.stderr);
      },
    );

    await t.step("a workload's published port lives as long as the workload", async () => {
      const get = () =>
        host.try("timeout", "3", "busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:8082/");
      const r = await cli(
        "workload",
        "launch",
        "-d",
        "--zone",
        "client",
        "--name",
        "side",
        "-p",
        "8082:8000",
        image,
        "--",
        "sh",
        "-c",
        "mkdir -p /s && echo hello-from-side > /s/index.html && exec busybox httpd -f -p 8000 -h /s",
      );
      assert.equal(r.code, 0, r.stderr);
      await waitFor(async () => (await get()).stdout.includes("hello-from-side"));
      const taken = await cli(
        "workload",
        "launch",
        "--zone",
        "client",
        "-p",
        "8080:80",
        image,
        "--",
        "true",
      );
      assert.notEqual(taken.code, 0);
      assert.match(
        taken.stderr + (await cli("workload", "list")).stdout,
        /8080\/tcp is already published by zone/,
      );
      assert.equal((await cli("workload", "destroy", "side")).code, 0);
      await waitFor(async () => !(await hostRules()).includes("dport 8082"));
      assert.notEqual((await get()).code, 0);
    });

    await t.step(
      "egress NAT: a zone reaches the internet namespace through the uplink (IPv4, IPv6)",
      async () => {
        const r = await fetchFrom("client", "http://192.0.2.2:8000/");
        assert.match(r.stdout, /hello from the internet/, r.stderr);
        const r6 = await fetchFrom("client", "http://[2001:db8::2]:8000/");
        assert.match(r6.stdout, /hello from the internet/, r6.stderr);
      },
    );

    await t.step("a zone cannot send from an address that is not its own", async () => {
      const ping = (from: string) =>
        cli(
          "workload",
          "launch",
          "--cap-add",
          "NET_ADMIN",
          "--zone",
          "client",
          image,
          "--",
          "sh",
          "-c",
          `ip addr add 10.75.0.99/32 dev eth0; busybox ping -c 1 -W 2 -I ${from} 10.75.0.2; ` +
            "rc=$?; ip addr del 10.75.0.99/32 dev eth0; exit $rc",
        );
      const own = await ping("10.75.0.3");
      assert.equal(own.code, 0, own.stdout + own.stderr);
      const spoofed = await ping("10.75.0.99");
      assert.notEqual(spoofed.code, 0, "a spoofed source got an answer:\n" + spoofed.stdout);
      // And it was protect's anti-spoofing rule that dropped it.
      assert.match(await hostRules(), /ip saddr != 10\.75\.0\.3 counter packets [1-9]/);
    });

    await t.step("isolation: zone↔zone fails, the published port still works", async () => {
      const a = await cli(
        "zone",
        "launch",
        "-n",
        "private",
        "--network-isolation",
        "--publish",
        "8081:80",
        "--wait",
        "--timeout",
        "90",
      );
      assert.equal(a.code, 0, a.stderr);
      const p = await zone("private");
      assert.equal((await serve("private", "secret", "hello-from-private")).code, 0);
      await waitFor(async () =>
        (await host.try(
          "timeout",
          "3",
          "busybox",
          "wget",
          "-q",
          "-O",
          "-",
          "http://127.0.0.1:8081/",
        ))
          .stdout.includes("hello-from-private")
      );
      const blocked = await fetchFrom("client", `http://${p.status.ipv4}/`, 3);
      assert.notEqual(blocked.code, 0, "an isolated zone answered another zone");
      const out = await fetchFrom("private", "http://10.75.0.2/", 3);
      assert.notEqual(out.code, 0, "an isolated zone reached another zone");
      // Other zones still talk to each other.
      assert.match((await fetchFrom("client", "http://10.75.0.2/")).stdout, /hello-from-web/);
    });

    await t.step("a restarted protect-network rebuilds nothing twice", async () => {
      const rules = withoutCounters(await hostRules());
      const routes = await hostRoutes();
      await network!.stop();
      // Damage it while it is down: a rule table gone, a route gone.
      await host.run("nft", "delete", "table", "inet", "protect");
      await host.run("ip", "route", "del", "10.75.0.2/32");
      network = await startProgramProcess("network", root, host.name);
      assert.equal(withoutCounters(await hostRules()), rules);
      assert.equal(await hostRoutes(), routes);
      assert.match((await fetchFrom("client", "http://10.75.0.2/")).stdout, /hello-from-web/);
    });

    await t.step("bad publish flags are refused before anything is made", async () => {
      const r = await cli("zone", "launch", "-n", "bad", "--publish", "8080");
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--publish "8080" must be HOST:ZONE/);
      const taken = await cli(
        "zone",
        "launch",
        "-n",
        "dup",
        "--publish",
        "8080:80",
        "--wait",
        "--timeout",
        "60",
      );
      assert.notEqual(taken.code, 0);
      assert.match(taken.stderr, /8080\/tcp is already published by zone/);
      assert.equal((await cli("zone", "destroy", "dup", "--wait")).code, 0);
    });

    await t.step("destroying the zones leaves no link, route, address or rule behind", async () => {
      for (const name of ["web", "client", "private"]) {
        const r = await cli("zone", "destroy", name, "--wait");
        assert.equal(r.code, 0, r.stderr);
      }
      const links = await host.run("ip", "-o", "link", "show");
      assert.doesNotMatch(links, /\bpz[0-9a-f]{12}/);
      assert.doesNotMatch(await hostRoutes(), /10\.75\.0\.|fd00:75::/);
      // With no zone attached, protect's table is gone altogether (nothing waited for:
      // destroy --wait returns after the daemon's detach).
      const table = await host.try("nft", "list", "table", "inet", "protect");
      assert.notEqual(table.code, 0, table.stdout + network!.logs());
      const addrs = await host.run("ip", "-o", "address", "show");
      assert.doesNotMatch(addrs, /10\.75\.0\.|fd00:75::/);
      await waitFor(async () =>
        ((await cliJson(root, "network", "reservation", "list")) as unknown[]).length === 0
      );
    });
    internetServer.kill("SIGKILL");
    await internetServer.status;
  } finally {
    await network?.stop().catch(() => {});
    for (const p of programs.reverse()) await p.stop().catch(() => {});
    await registry.stop();
    await host.remove();
    await internet.remove();
  }
});

async function waitFor(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 300));
  }
}
