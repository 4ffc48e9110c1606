/** The warm pool on real Xen: protect-orchestrator boots a pool zone, a launch claims it, the pool refills. (Imported in order by ../e2e_test.ts.) */
import assert from "node:assert/strict";
import {
  domains,
  IMAGE,
  ok,
  pingFrom,
  protect,
  timed,
  timings,
  until,
  type ZoneView,
} from "../e2e_helpers.ts";
import { createUntilReady, restartOrchestrator } from "../lab_api.ts";
import { opts } from "./e2e_options.ts";

type PoolZone = ZoneView & { spec: { name: string; pool?: boolean } };
const poolZones = async (): Promise<PoolZone[]> =>
  JSON.parse(await ok("zone", "list", "--pool", "-o", "json"));
const pooledZone = async (except = "") =>
  (await poolZones()).find((z) => z.status.state === "ZONE_STATE_POOLED" && z.id !== except);

Deno.test(
  "warm pool: a launch claims a booted pool zone (renamed, networked, bootstrapped) and the pool refills",
  opts,
  async () => {
    // The default shape: what a plain `zone launch` asks for.
    await restartOrchestrator('[[pool]]\nname = "lab"\nsize = 1\n');
    try {
      const first = await timed(
        "warm pool: orchestrator start to a POOLED zone",
        () => until("a POOLED pool zone", 300, () => pooledZone()),
      );
      assert.match(first.spec.name, /^pool-lab-[0-9a-f]{8}$/);
      assert.ok((await domains()).some((d) => d.name === first.spec.name), "runs as pool-lab-…");
      assert.equal(first.status.ipv4 ?? "", "", "no network before the claim");
      assert.doesNotMatch(await ok("zone", "list"), /pool-lab-/, "hidden without --pool");

      // Through the API: the CLI's own start-up in dom0 is seconds under TCG.
      const claim = await createUntilReady({ name: "pooled1", hostname: "pooled-host" });
      timings["warm pool: CreateZone to READY through the API (a claim)"] = Math.round(claim.apiMs);
      timings["warm pool: claim to READY (the daemon's timestamps)"] = claim.daemonMs;
      assert.equal(claim.zoneId, first.id, "the pool zone was claimed");
      assert.ok(claim.fromPool);
      assert.ok(claim.apiMs < 10_000, `a claim took ${Math.round(claim.apiMs)} ms`);

      const z = (await ok("zone", "get", "pooled1", "-o", "json").then(JSON.parse)) as ZoneView;
      assert.ok(z.status.ipv4, "protect-network attached it at the claim");
      // The zone configured its interface from the bootstrap: zone e1 reaches it.
      const ping = await pingFrom("e1", z.status.ipv4!, 10);
      assert.equal(ping.code, 0, `ping ${z.status.ipv4}: ${ping.stdout}${ping.stderr}`);
      assert.ok(
        (await domains()).some((d) => d.name === "pooled1" && d.domid === z.status.domainId),
        "the domain took the zone's name",
      );
      const hostname = await ok(
        "zone",
        "exec",
        "pooled1",
        "--",
        "cat",
        "/proc/sys/kernel/hostname",
      );
      assert.equal(hostname.trim(), "pooled-host");
      const w = await timed(
        "workload launch in a claimed pool zone (attached, to exit)",
        () =>
          protect(
            "workload",
            "launch",
            "--zone",
            "pooled1",
            "-n",
            "pw1",
            IMAGE,
            "--",
            "sh",
            "-c",
            "echo pooled; exit 4",
          ),
      );
      assert.equal(w.stdout, "pooled\n", w.stderr);
      assert.equal(w.code, 4);
      // xenconsoled still logs under the pool name; the zone's console is found anyway.
      assert.match(await ok("zone", "logs", "pooled1"), /bootstrap applied/);

      const next = await timed(
        "warm pool: refilled after the claim",
        () => until("the pool refilled", 300, () => pooledZone(first.id)),
      );
      assert.notEqual(next.id, first.id);
    } finally {
      await restartOrchestrator("");
      await until("the pool empty", 300, async () => (await poolZones()).length === 0 || undefined);
      await protect("zone", "destroy", "pooled1", "--wait");
    }
  },
);
