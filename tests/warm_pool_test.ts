/**
 * The warm pool end to end on the process driver: protect-orchestrator boots a pool zone
 * (agent connected, no identity), `zone launch` claims it (name, hostname applied by the
 * bootstrap at claim), the pool refills, `--no-pool` boots cold, and a removed shape's
 * zones are destroyed.
 */
import assert from "node:assert/strict";
import { protectPaths } from "../lib/paths/mod.ts";
import {
  cliJson,
  type ProgramProcess,
  runCli,
  startProgramProcess,
  tempRoot,
  writeDaemonConfig,
} from "./helpers/processes.ts";
import { until } from "./helpers/until.ts";

const poolZones = async (root: string) =>
  (await cliJson(root, "zone", "list", "--pool")) as Array<
    { id: string; spec: { name: string }; status: { state: string } }
  >;

Deno.test("warm pool: a launch claims a booted pool zone, the pool refills, --no-pool boots cold", async (t) => {
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
  const config = protectPaths(root).orchestratorConfig;
  Deno.writeTextFileSync(config, '[[pool]]\nname = "default"\nsize = 1\n');
  const daemon = await startProgramProcess("daemon-process", root);
  let orchestrator: ProgramProcess | undefined = await startProgramProcess("orchestrator", root);
  const pooled = async (except = "") =>
    await until("a POOLED pool zone", async () => {
      const zones = await poolZones(root);
      return zones.find((z) => z.status.state === "ZONE_STATE_POOLED" && z.id !== except);
    }, 60);
  try {
    let first = "";
    await t.step(
      "the orchestrator boots a pool zone; zone list shows it only with --pool",
      async () => {
        const zone = await pooled();
        first = zone.id;
        assert.match(zone.spec.name, /^pool-default-[0-9a-f]{8}$/);
        const list = await runCli(root, "zone", "list");
        assert.doesNotMatch(list.stdout, /pool-default/);
        assert.match(list.stderr, /1 warm pool zones not shown: zone list --pool/);
        assert.match(
          orchestrator!.logs(),
          /warm pool .*action=create-pool-zone reason="shape default has 0 of 1 zones"/,
        );
      },
    );

    await t.step("zone launch claims it: the zone's name, hostname and READY", async () => {
      const launched = await runCli(
        root,
        "zone",
        "launch",
        "-n",
        "web",
        "--hostname",
        "www",
        "--wait",
      );
      assert.equal(launched.code, 0, launched.stderr + daemon.logs());
      assert.match(launched.stdout, /zone web READY \(.*, claimed from the warm pool\)/);
      const web = await cliJson(root, "zone", "get", "web");
      assert.equal(web.id, first);
      assert.equal(web.status.fromPool, true);
      assert.equal(web.spec.pool, undefined, "no longer a pool zone");
      const hostname = await runCli(root, "zone", "exec", "web", "--", "hostname");
      assert.equal(hostname.stdout.trim(), "www", hostname.stderr);
      assert.match(daemon.logs(), /pool zone claimed zone=web pool=pool-default-/);
    });

    await t.step(
      "the pool refills; a --no-pool launch leaves the new pool zone alone",
      async () => {
        const next = await pooled(first);
        const cold = await runCli(root, "zone", "launch", "-n", "cold", "--no-pool", "--wait");
        assert.equal(cold.code, 0, cold.stderr);
        assert.doesNotMatch(cold.stdout, /warm pool/);
        assert.notEqual((await cliJson(root, "zone", "get", "cold")).id, next.id);
        assert.equal((await poolZones(root)).length, 1);
      },
    );

    await t.step("a shape taken out of the config loses its zones", async () => {
      await orchestrator!.stop();
      Deno.writeTextFileSync(config, "");
      orchestrator = await startProgramProcess("orchestrator", root);
      await until(
        "the pool empty",
        async () => (await poolZones(root)).length === 0 || undefined,
        60,
      );
      assert.match(
        orchestrator.logs(),
        /action=destroy-pool-zone reason="no \[\[pool\]\] shape is named \\"default\\" any more"/,
      );
    });
  } finally {
    await orchestrator?.stop();
    for (const name of ["web", "cold"]) await runCli(root, "zone", "destroy", name, "--wait");
    await daemon.stop();
    Deno.removeSync(root, { recursive: true });
  }
});
