/**
 * Zone launch/destroy soak on the process driver with protect-network (in its own network
 * namespace): the resident memory and open file descriptors of protect-daemon and
 * protect-network sampled every 25 cycles. The verdict: after the first quarter (warm-up),
 * each stays within 10 % of its first post-warm-up sample (a leak grows linearly; a warm-up
 * does not); exit status 1 when one does not.
 * Needs root, ip(8), nft(8). Run: ./denow run -A bench/zone_soak_bench.ts [cycles=2000]
 */
import { createClient } from "@connectrpc/connect";
import { ControlService, ZoneState } from "../proto/mod.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import {
  rssMiB,
  startProgramProcess,
  tempRoot,
  writeDaemonConfig,
} from "../tests/helpers/processes.ts";
import { createNetns } from "../tests/helpers/netns.ts";

const cycles = Number(Deno.args[0] ?? 2000);
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
const fds = (pid: number) => [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
type Figure = "networkMiB" | "daemonMiB" | "networkFds" | "daemonFds";
const samples: ({ cycle: number } & Record<Figure, number>)[] = [];
const sample = (cycle: number) =>
  samples.push({
    cycle,
    networkMiB: rssMiB(network.process.pid),
    daemonMiB: rssMiB(daemon.process.pid),
    networkFds: fds(network.process.pid),
    daemonFds: fds(daemon.process.pid),
  });

/** Polls the zone until it is in one of `states` (a zone no longer found counts as DESTROYED). */
async function until(zoneId: string, states: ZoneState[]) {
  while (true) {
    const z = await client.getZone({ zoneId }).then((r) => r.zone, () => undefined);
    if (!z && states.includes(ZoneState.DESTROYED)) return undefined;
    if (z && states.includes(z.status!.state)) return z;
    await new Promise((r) => setTimeout(r, 10));
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
  const warm = samples.filter((s) => s.cycle >= cycles / 4);
  const figures: Figure[] = ["daemonMiB", "networkMiB", "daemonFds", "networkFds"];
  const drift = Object.fromEntries(figures.map((f) => {
    const base = warm[0][f];
    const worst = Math.max(...warm.map((s) => Math.abs(s[f] - base) / base));
    return [f, Number((worst * 100).toFixed(1))];
  })) as Record<Figure, number>;
  const flat = figures.every((f) => drift[f] <= 10);
  console.log(JSON.stringify({
    bench: "zone launch/destroy soak (process driver, protect-network)",
    cycles,
    ...Object.fromEntries(figures.map((f) => [f, samples.map((s) => Math.round(s[f]))])),
    driftAfterWarmUpPercent: drift,
    verdict: flat ? "flat (within 10 % after warm-up)" : "GROWS: more than 10 % after warm-up",
  }));
  if (!flat) Deno.exitCode = 1;
} finally {
  await daemon.stop();
  await network.stop();
  await host.remove();
  Deno.removeSync(root, { recursive: true });
}
