/**
 * Chaos on real Xen: tests/chaos_test.ts's scenario with 4 zones. While the zones launch and
 * get their workloads, protect-daemon, protect-storage and protect-network are each kill -9'd
 * once, in a seeded order at seeded points, and restarted. (Imported in order by ../e2e_test.ts.)
 */
import assert from "node:assert/strict";
import {
  assertNoTraces,
  IMAGE,
  OUT,
  protect,
  record,
  run,
  until,
  type ZoneView,
} from "../e2e_helpers.ts";
import { prng } from "../../helpers/prng.ts";
import { integrityProblems } from "../../helpers/sqlite_integrity.ts";
import { opts } from "./e2e_options.ts";

/** How session.sh starts each program, its pid file and its socket. */
const PROGRAMS = {
  daemon: { command: "protect-daemon-xen", socket: "/run/protect/daemon.sock" },
  storage: { command: "protect-storage", socket: "/run/protect/storage.sock" },
  network: { command: "protect-network", socket: "/run/protect/network.sock" },
} as const;
type Program = keyof typeof PROGRAMS;

async function killAndRestart(program: Program, downMs: number): Promise<void> {
  const { command, socket } = PROGRAMS[program];
  await run("kill", "-9", Deno.readTextFileSync(`/run/${program}.pid`).trim());
  await new Promise((r) => setTimeout(r, downMs));
  await run(
    "sh",
    "-c",
    `${command} >> ${OUT}/${program}.log 2>&1 </dev/null & echo $! > /run/${program}.pid`,
  );
  // Up once its socket answers (the stale one is replaced at start).
  await until(`${program} back`, 120, async () => {
    try {
      (await Deno.connect({ transport: "unix", path: socket })).close();
      return true;
    } catch {
      return undefined;
    }
  });
}

/** Runs the CLI again while the daemon is away (exit 3), as an operator would. */
async function retried(...args: string[]) {
  for (let attempt = 1;; attempt++) {
    const r = await protect(...args);
    if (r.code !== 3 || attempt === 60) return r;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

Deno.test(
  "chaos: 4 zones launching with workloads while daemon, storage and network are kill -9'd",
  opts,
  async () => {
    const seed = Number(Deno.env.get("PROTECT_CHAOS_SEED") ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const names = ["x1", "x2", "x3", "x4"];
    const marker = (i: number) => String(800_000 + i);
    const order = (["daemon", "storage", "network"] as Program[])
      .map((p) => ({ p, r: random() }))
      .sort((a, b) => a.r - b.r)
      .map(({ p }) => p);
    const killed: string[] = [];
    const started = performance.now();
    try {
      const launches = names.map(async (name, i) => {
        const z = await retried("zone", "launch", "-n", name, "--wait", "--timeout", "300");
        if (z.code !== 0 && !/already exists/.test(z.stderr)) return;
        await retried(
          "workload",
          "launch",
          "-d",
          "--zone",
          name,
          "--name",
          `${name}-sleep`,
          IMAGE,
          "--",
          "sleep",
          marker(i),
        );
      });
      const chaos = (async () => {
        for (const program of order) {
          await new Promise((r) => setTimeout(r, 2000 + random() * 15_000));
          const at = performance.now() - started;
          killed.push(`${program} at ${(at / 1000).toFixed(1)} s`);
          record(`chaos: ${program} kill -9'd at (ms)`, Math.round(at));
          await killAndRestart(program, 500 + random() * 2000);
        }
      })();
      await Promise.all([...launches, chaos]);
      console.log(`chaos seed ${seed}: killed ${killed.join(", ")}`);
      record("chaos: seed", seed);

      const ours = await until("the zones to settle", 300, async () => {
        const r = await protect("zone", "list", "-o", "json");
        if (r.code !== 0) return undefined;
        const zs = (JSON.parse(r.stdout) as ZoneView[]).filter((z) => names.includes(z.spec.name));
        const settled = zs.every((z) =>
          z.status.state === "ZONE_STATE_READY" ||
          (z.status.state === "ZONE_STATE_FAILED" && !!z.status.error)
        );
        return settled ? zs : undefined;
      });
      const ready = ours.filter((z) => z.status.state === "ZONE_STATE_READY");
      console.log(`chaos: ${ours.length} zones, ${ready.length} READY`);
      record("chaos: zones READY after the kills", ready.length);
      for (const z of ready) {
        const i = names.indexOf(z.spec.name);
        const w = await protect("workload", "get", `${z.spec.name}-sleep`, "-o", "json");
        if (w.code !== 0) continue; // its launch was refused for good: nothing to match
        const state = JSON.parse(w.stdout).status.state as string;
        // Every process's command line in the zone (NUL-separated arguments).
        const ps = await protect(
          "zone",
          "exec",
          z.spec.name,
          "--",
          "sh",
          "-c",
          "for f in /proc/[0-9]*/cmdline; do cat $f; echo; done",
        );
        const running = ps.stdout.includes(`sleep\u0000${marker(i)}`);
        assert.ok(
          ["WORKLOAD_STATE_RUNNING", "WORKLOAD_STATE_COMPLETED", "WORKLOAD_STATE_FAILED"].includes(
            state,
          ),
          `${z.spec.name}-sleep is ${state}`,
        );
        assert.equal(
          running,
          state === "WORKLOAD_STATE_RUNNING",
          `${z.spec.name}-sleep is ${state}`,
        );
      }
      const ids = ours.map((z) => z.status.domainId).filter((d): d is number => !!d);
      // Each zone's own rule names its address (anti-spoofing: "ip saddr != ADDR").
      const addresses = ours.map((z) => z.status.ipv4).filter((a): a is string => !!a);
      for (const z of ours) {
        const r = await protect("zone", "destroy", z.spec.name, "--wait");
        assert.equal(r.code, 0, r.stderr);
      }
      for (const id of ids) await assertNoTraces(id);
      const reservations = await until("reservations released", 60, async () => {
        const r = await protect("network", "reservation", "list", "-o", "json");
        const held = r.code === 0 ? JSON.parse(r.stdout) : undefined;
        return held?.length === 0 ? held : undefined;
      });
      assert.deepEqual(reservations, []);
      const rules = await run("nft", "list", "table", "inet", "protect");
      for (const a of addresses) {
        assert.doesNotMatch(rules.stdout, new RegExp(`saddr != ${a.replaceAll(".", "\\.")} `));
      }
      const dbs = (await run("find", "/var/lib/protect", "-name", "*.db")).stdout.trim().split(
        "\n",
      );
      assert.deepEqual(integrityProblems(dbs), {});
    } finally {
      await Promise.all(names.map((n) => protect("zone", "destroy", n, "--wait")));
    }
  },
);
