/**
 * Zone networking, measured on real kernel networking inside throw-away
 * network namespaces (needs root, ip, nft, iperf3 — Debian iproute2, nftables,
 * iperf3):
 *  - zone ↔ zone TCP throughput (iperf3, 5 s per run) through protect's routed
 *    links and nftables rules, vs a plain veth pair between two namespaces,
 *    interleaved in the same run (target ≥ 0.9×);
 *  - per-zone network setup latency: protect-network's AttachZone (reservation,
 *    veth into a fresh namespace, addresses, routes, switches, table rewrite),
 *    and DetachZone.
 * iperf3 runs directly in each zone's network namespace (nsenter): the path
 * measured is the zone's eth0, its link, the host's routing and the rules.
 * Run: ./denow run -A bench/network_bench.ts [rounds=3]
 */
import { createClient } from "@connectrpc/connect";
import { NetworkService } from "../proto/gen/protect/network/v1/network_pb.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import {
  cliJson,
  runCli,
  startProgramProcess,
  tempRoot,
  writeDaemonConfig,
} from "../tests/helpers/processes.ts";
import { createNetns, ip } from "../tests/helpers/netns.ts";
import { median } from "./stats.ts";

const rounds = Number(Deno.args[0] ?? 3);

async function iperf(serverNs: string[], clientNs: string[], address: string): Promise<number> {
  const server = new Deno.Command(serverNs[0], {
    args: [...serverNs.slice(1), "iperf3", "-s", "-1", "-B", address],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((r) => setTimeout(r, 300));
  const out = await new Deno.Command(clientNs[0], {
    args: [...clientNs.slice(1), "iperf3", "-c", address, "-t", "5", "-J"],
    stderr: "piped",
  }).output();
  await server.status;
  if (!out.success) throw new Error(`iperf3: ${new TextDecoder().decode(out.stderr)}`);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  return result.end.sum_received.bits_per_second / 1e9;
}

const host = await createNetns("pb-host-");
const plainA = await createNetns("pb-a-");
const plainB = await createNetns("pb-b-");
const root = tempRoot();
const programs = [];
try {
  // Reference: a plain veth pair between two namespaces.
  await ip(
    "link",
    "add",
    "pbref",
    "netns",
    plainA.name,
    "type",
    "veth",
    "peer",
    "name",
    "pbref",
    "netns",
    plainB.name,
  );
  await plainA.run("ip", "address", "add", "10.99.0.1/24", "dev", "pbref");
  await plainB.run("ip", "address", "add", "10.99.0.2/24", "dev", "pbref");
  await plainA.run("ip", "link", "set", "pbref", "up");
  await plainB.run("ip", "link", "set", "pbref", "up");

  writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
  Deno.writeTextFileSync(
    `${root}/etc/protect/network.toml`,
    '[network]\nipv4_pool = "10.75.0.0/24"\nipv6_pool = "fd00:75::/48"\n',
  );
  programs.push(await startProgramProcess("daemon-process", root));
  const network = await startProgramProcess("network", root, host.name);
  programs.push(network);
  for (const name of ["za", "zb"]) {
    const r = await runCli(root, "zone", "launch", "-n", name, "--wait", "--timeout", "90");
    if (r.code !== 0) throw new Error(r.stderr);
  }
  const zone = async (name: string) => await cliJson(root, "zone", "get", name);
  const [za, zb] = [await zone("za"), await zone("zb")];
  const inZone = (z: { status: { domainId: number } }) => [
    "nsenter",
    "-t",
    String(z.status.domainId),
    "-n",
  ];

  const ours: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate the order so drift on a noisy machine hits both alike.
    const a = () => iperf(inZone(za), inZone(zb), za.status.ipv4).then((v) => ours.push(v));
    const b = () =>
      iperf(["ip", "netns", "exec", plainA.name], ["ip", "netns", "exec", plainB.name], "10.99.0.1")
        .then((v) => plain.push(v));
    if (i % 2) await b().then(a);
    else await a().then(b);
  }
  const ratio = median(ours) / median(plain);
  console.log(
    `zone↔zone TCP: protect ${median(ours).toFixed(2)} Gbit/s vs plain veth ${
      median(plain).toFixed(2)
    } Gbit/s = ${ratio.toFixed(2)}× (target ≥ 0.9×; runs: ${ours.map((v) => v.toFixed(2))} / ${
      plain.map((v) => v.toFixed(2))
    })`,
  );

  // Setup latency: AttachZone of a fresh namespace, then DetachZone.
  const client = createClient(NetworkService, createUnixTransport(network.socket));
  const attach: number[] = [];
  const detach: number[] = [];
  for (let i = 0; i < 10; i++) {
    const holder = new Deno.Command("unshare", { args: ["--net", "sleep", "60"] }).spawn();
    await new Promise((r) => setTimeout(r, 100));
    const zoneId = crypto.randomUUID();
    let t = performance.now();
    await client.attachZone({ zoneId, link: { kind: { case: "netnsPid", value: holder.pid } } });
    attach.push(performance.now() - t);
    t = performance.now();
    await client.detachZone({ zoneId });
    detach.push(performance.now() - t);
    await client.releaseZone({ zoneId });
    holder.kill("SIGKILL");
    await holder.status;
  }
  console.log(
    `per-zone network setup: attach ${median(attach).toFixed(1)} ms, detach ${
      median(detach).toFixed(1)
    } ms (median of 10, with 2 zones attached)`,
  );
  for (const name of ["za", "zb"]) await runCli(root, "zone", "destroy", name, "--wait");
} finally {
  for (const p of programs.reverse()) await p.stop().catch(() => {});
  for (const ns of [host, plainA, plainB]) await ns.remove();
}
