/**
 * Chaos on the process driver: concurrent zone launches with workloads while protect-daemon,
 * protect-storage or protect-network is kill -9'd at a random point and restarted, one at a
 * time (seeded: the seed is printed and a failure can be replayed). After each round:
 *  - every zone is READY, or FAILED with a reason;
 *  - every workload is in a final state, or RUNNING, and that matches reality: a RUNNING
 *    workload's process exists, and no workload process runs that the daemon does not know;
 *  - once the round's zones are destroyed, nothing of them is left: processes (and with them
 *    their namespaces and the mounts inside), zone directories (runc state lives there),
 *    loop devices, nft rules and address reservations;
 *  - every SQLite database passes `PRAGMA integrity_check`.
 * `task test` runs one short round; PROTECT_CHAOS_ROUNDS, _ZONES, _KILLS and _SEED make a
 * longer run (`./denow task test:chaos`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { protectPaths } from "../lib/paths/mod.ts";
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
import { canTestNetworking, createNetns } from "./helpers/netns.ts";
import { until } from "./helpers/until.ts";
import { prng } from "./helpers/prng.ts";
import { integrityProblems } from "./helpers/sqlite_integrity.ts";

/** A whole-number setting from the environment; anything else stops the test, naming it. */
function env(name: string, fallback: number): number {
  const value = Number(Deno.env.get(name) ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: not a whole number ≥ 1`);
  return value;
}
const ROUNDS = env("PROTECT_CHAOS_ROUNDS", 2);
const ZONES = env("PROTECT_CHAOS_ZONES", 20);
const KILLS = env("PROTECT_CHAOS_KILLS", 2);
const SEED = env("PROTECT_CHAOS_SEED", Date.now() % 1_000_000);

type Victim = "daemon-process" | "storage" | "network";

interface ZoneView {
  id: string;
  spec: { name: string };
  status: { state: string; error?: string };
}
interface WorkloadView {
  id: string;
  spec: { name: string; process: { args: string[] } };
  status: { state: string; error?: string };
}

async function sh(cmd: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", cmd], stdin: "null" }).output();
  return new TextDecoder().decode(out.stdout);
}

/** Host processes whose command line contains `text`. */
async function processesWith(text: string): Promise<string[]> {
  return (await sh("ps -eo pid=,args=")).split("\n").filter((l) => l.includes(text));
}

/**
 * Runs a CLI command again while protect-daemon is away (exit 3), as kubelet or an operator
 * would; a repeat that finds the first attempt's zone or workload says "already exists".
 */
async function retried(root: string, args: string[]) {
  for (let attempt = 1;; attempt++) {
    const r = await runCli(root, ...args);
    if (r.code !== 3 || attempt === 20) return r;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

Deno.test({
  ...skipIf(
    !canTestNetworking() && "needs root, ip(8), nft(8), unshare(1) (Debian: iproute2, nftables)",
    `chaos: ${ZONES} concurrent zone launches with workloads, daemons kill -9'd at random (seed ${SEED})`,
  ),
}, async (t) => {
  console.log(`chaos seed ${SEED}: ${ROUNDS} rounds, ${ZONES} zones, ${KILLS} kills each`);
  const random = prng(SEED);
  const host = await createNetns("pt-chaos-");
  const registry = await startRegistry();
  const root = tempRoot();
  const paths = protectPaths(root);
  writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
  Deno.writeTextFileSync(
    paths.networkConfig,
    '[network]\nipv4_pool = "10.77.0.0/24"\nipv6_pool = "fd00:77::/48"\n',
  );
  // protect-network alone runs in "host": its links and rules stay in a namespace of the test.
  const where: Record<Victim, string | undefined> = {
    "daemon-process": undefined,
    storage: undefined,
    network: host.name,
  };
  const programs = {} as Record<Victim, ProgramProcess>;
  const start = async (v: Victim) => programs[v] = await startProgramProcess(v, root, where[v]);
  const image = `${registry.host}/test/busybox:1`;
  try {
    for (const v of Object.keys(where) as Victim[]) await start(v);
    await pushImage(registry.host, "test/busybox", "1", {
      layers: await busyboxLayers(),
      config: { Cmd: ["sh"], Env: ["PATH=/bin"] },
    });
    const rulesBefore = await host.try("nft", "list", "table", "inet", "protect");

    for (let round = 1; round <= ROUNDS; round++) {
      const names = Array.from({ length: ZONES }, (_, i) => `c${round}-${i}`);
      // A unique sleep per zone: how a workload's process is found on the host.
      const marker = (i: number) => String(900_000 + round * 1000 + i);
      const killed: string[] = [];
      /** Launches that ended without a zone, and what the CLI said. */
      const refused: string[] = [];

      await t.step(`round ${round}: launches under kill -9`, async () => {
        const started = performance.now();
        let done = 0;
        const launches = names.map(async (name, i) => {
          const z = await retried(root, [
            "zone",
            "launch",
            "-n",
            name,
            "--wait",
            "--timeout",
            "180",
          ]);
          if (z.code !== 0 && !/already exists/.test(z.stderr)) {
            refused.push(`${name}: exit ${z.code}: ${z.stderr.trim().split("\n")[0]}`);
            return void done++;
          }
          const sleep = ["-d", "--zone", name, "--name", `${name}-sleep`, image, "--", "sleep"];
          await retried(root, ["workload", "launch", ...sleep, marker(i)]);
          if (i % 2 === 0) {
            const exit0 = ["-d", "--zone", name, "--name", `${name}-exit`, image, "--", "sh"];
            await retried(root, ["workload", "launch", ...exit0, "-c", "exit 0"]);
          }
          done++;
        });
        const chaos = (async () => {
          for (let k = 0; k < KILLS; k++) {
            await new Promise((r) => setTimeout(r, 200 + random() * 2500));
            const victim = (["daemon-process", "storage", "network"] as const)[
              Math.floor(random() * 3)
            ];
            killed.push(
              `${victim} at ${((performance.now() - started) / 1000).toFixed(1)} s ` +
                `(${done} of ${ZONES} zones' launches done)`,
            );
            await programs[victim].stop("SIGKILL");
            await new Promise((r) => setTimeout(r, 200 + random() * 1500));
            await start(victim);
          }
        })();
        await Promise.all([...launches, chaos]);
        console.log(`round ${round}: killed ${killed.join(", ")}`);
        if (refused.length) {
          console.log(`round ${round}: launches refused:\n  ${refused.join("\n  ")}`);
        }
      });

      let zones: ZoneView[] = [];
      await t.step(`round ${round}: every zone READY or FAILED with a reason`, async () => {
        zones = await until("the round's zones to settle", async () => {
          const all = (await cliJson(root, "zone", "list")) as ZoneView[];
          const ours = all.filter((z) => names.includes(z.spec.name));
          const settled = ours.every((z) =>
            ["ZONE_STATE_READY", "ZONE_STATE_FAILED"].includes(z.status.state)
          );
          return settled ? ours : undefined;
        }, 180);
        for (const z of zones) {
          if (z.status.state === "ZONE_STATE_FAILED") {
            assert.ok(z.status.error, `zone ${z.spec.name} FAILED without a reason`);
          }
        }
        const ready = zones.filter((z) => z.status.state === "ZONE_STATE_READY").length;
        console.log(`round ${round}: ${zones.length} zones recorded, ${ready} READY`);
      });

      await t.step(`round ${round}: workloads' states match their processes`, async () => {
        const workloads = await until("the round's workloads to settle", async () => {
          const all: WorkloadView[] = [];
          for (const z of zones) {
            all.push(...(await cliJson(root, "workload", "list", "--zone", z.spec.name)));
          }
          const busy = all.some((w) =>
            ["WORKLOAD_STATE_CREATING", "WORKLOAD_STATE_CREATED"].includes(w.status.state)
          );
          return busy ? undefined : all;
        }, 120);
        const final = [
          "WORKLOAD_STATE_RUNNING",
          "WORKLOAD_STATE_COMPLETED",
          "WORKLOAD_STATE_FAILED",
        ];
        for (const w of workloads) {
          assert.ok(final.includes(w.status.state), `${w.spec.name}: ${w.status.state}`);
          if (w.status.state === "WORKLOAD_STATE_FAILED") {
            assert.ok(w.status.error, `workload ${w.spec.name} FAILED without a reason`);
          }
          const sleep = w.spec.process.args[0] === "sleep" ? w.spec.process.args[1] : undefined;
          if (!sleep) continue;
          const running = (await processesWith(`sleep ${sleep}`)).length > 0;
          assert.equal(
            running,
            w.status.state === "WORKLOAD_STATE_RUNNING",
            `workload ${w.spec.name} is ${w.status.state}; its process ${
              running ? "runs" : "does not run"
            }`,
          );
        }
        const known = new Set(workloads.map((w) => w.spec.process.args[1]));
        for (let i = 0; i < ZONES; i++) {
          if (known.has(marker(i))) continue;
          assert.deepEqual(
            await processesWith(`sleep ${marker(i)}`),
            [],
            "a workload process runs that the daemon does not know",
          );
        }
      });

      await t.step(`round ${round}: destroyed zones leave nothing behind`, async () => {
        await Promise.all(
          zones.map((z) =>
            runCli(root, "zone", "destroy", z.spec.name, "--wait", "--timeout", "60")
          ),
        );
        const left = ((await cliJson(root, "zone", "list")) as ZoneView[])
          .filter((z) => names.includes(z.spec.name));
        assert.deepEqual(left.map((z) => z.spec.name), [], "zones still listed");
        await until("the round's processes gone", async () => {
          for (const z of zones) if ((await processesWith(z.id)).length) return undefined;
          for (let i = 0; i < ZONES; i++) {
            if ((await processesWith(`sleep ${marker(i)}`)).length) return undefined;
          }
          return true;
        }, 30);
        for (const z of zones) {
          assert.throws(() => Deno.statSync(join(paths.zonesDir, z.id)), `${z.spec.name}'s dir`);
        }
        assert.equal((await sh(`losetup -a | grep -F '${root}' || true`)).trim(), "");
        assert.equal((await sh(`grep -F '${root}/var' /proc/self/mountinfo || true`)).trim(), "");
        const reservations = await until("reservations released", async () => {
          const held = await cliJson(root, "network", "reservation", "list");
          return held.length === 0 ? held : undefined;
        }, 30).catch(async () => await cliJson(root, "network", "reservation", "list"));
        assert.deepEqual(reservations, []);
        const strip = (s: string) => s.replace(/counter packets \d+ bytes \d+/g, "counter");
        assert.equal(
          strip((await host.try("nft", "list", "table", "inet", "protect")).stdout),
          strip(rulesBefore.stdout),
          "nft rules are as before the round",
        );
      });

      await t.step(`round ${round}: every database passes integrity_check`, async () => {
        const dbs = (await sh(`find '${paths.stateDir}' -name '*.db'`)).trim().split("\n");
        assert.ok(dbs.length >= 2, `databases found: ${dbs.join(", ")}`);
        assert.deepEqual(integrityProblems(dbs), {});
      });
    }
  } finally {
    for (const p of Object.values(programs)) await p.stop().catch(() => {});
    await registry.stop();
    await host.remove();
  }
});
