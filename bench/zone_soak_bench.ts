/**
 * Zone launch/destroy soak on the process driver with protect-network (in its own network
 * namespace): the resident memory of protect-network and protect-daemon sampled every 25
 * cycles, and its growth over the second half (a leak grows linearly; a warm-up does not).
 * Needs root, ip(8), nft(8). Run: ./denow run -A bench/zone_soak_bench.ts [cycles=200]
 */
import { createClient } from "@connectrpc/connect";
import { ControlService, ZoneState } from "../proto/mod.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import { startProgramProcess, tempRoot, writeDaemonConfig } from "../tests/helpers/processes.ts";
import { createNetns } from "../tests/helpers/netns.ts";

const cycles = Number(Deno.args[0] ?? 200);
const host = await createNetns("pt-soak-");
const root = tempRoot();
writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
Deno.writeTextFileSync(
  `${root}/etc/protect/network.toml`,
  '[network]\nipv4_pool = "10.77.0.0/24"\nipv6_pool = "fd00:77::/48"\ndns_servers = ["192.0.2.53"]\n',
);
const network = await startProgramProcess("network", root, host.name);
const daemon = await startProgramProcess("daemon-process", root);
const client = createClient(ControlService, createUnixTransport(daemon.socket));
const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))![1]) / 1024;
const samples: { cycle: number; network: number; daemon: number }[] = [];
const sample = (cycle: number) =>
  samples.push({
    cycle,
    network: rssMiB(network.process.pid),
    daemon: rssMiB(daemon.process.pid),
  });

async function until(zoneId: string, states: ZoneState[]) {
  for await (const e of client.watchEvents({})) {
    const z = e.event.case === "zoneChanged" ? e.event.value : undefined;
    if (z?.id === zoneId && states.includes(z.status!.state)) return z;
  }
}

try {
  sample(0);
  for (let i = 1; i <= cycles; i++) {
    const { zoneId } = await client.createZone({ spec: { name: `s${i}` } });
    const ready = await until(zoneId, [ZoneState.READY, ZoneState.FAILED]);
    if (ready?.status?.state !== ZoneState.READY) {
      throw new Error(`zone failed: ${ready?.status?.error}`);
    }
    await client.destroyZone({ zoneId });
    await until(zoneId, [ZoneState.DESTROYED]);
    if (i % 25 === 0) sample(i);
  }
  const half = samples.filter((s) => s.cycle >= cycles / 2);
  const growth = (key: "network" | "daemon") =>
    (half.at(-1)![key] - half[0][key]) / ((half.at(-1)!.cycle - half[0].cycle) / 100);
  console.log(JSON.stringify({
    bench: "zone launch/destroy soak (process driver, protect-network)",
    cycles,
    networkMiB: samples.map((s) => Math.round(s.network)),
    daemonMiB: samples.map((s) => Math.round(s.daemon)),
    secondHalfGrowthMiBPer100Cycles: {
      network: Number(growth("network").toFixed(1)),
      daemon: Number(growth("daemon").toFixed(1)),
    },
  }));
} finally {
  await daemon.stop();
  await network.stop();
  await host.remove();
  Deno.removeSync(root, { recursive: true });
}
