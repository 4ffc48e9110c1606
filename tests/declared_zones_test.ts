/**
 * Declared zones end to end on the process driver: `zone diff|apply -f`, and
 * protect-orchestrator keeping /etc/protect/zones.d running: a missing zone is created, a
 * workload that exits non-zero runs again with growing back-off (published as events), a
 * changed file replaces the zone, a removed file destroys it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { protectPaths } from "../lib/paths/mod.ts";
import {
  cliJson,
  runCli,
  startProgramProcess,
  startStorageProcess,
  tempRoot,
  writeDaemonConfig,
} from "./helpers/processes.ts";
import { pushImage, startRegistry } from "./helpers/registry.ts";
import { until } from "./helpers/until.ts";

Deno.test("declared zones: diff and apply; the orchestrator keeps zones.d running with back-off", async (t) => {
  const registry = await startRegistry();
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
  const daemon = await startProgramProcess("daemon-process", root);
  const storage = await startStorageProcess(root);
  const image = `${registry.host}/test/busybox:1`;
  let orchestrator: Awaited<ReturnType<typeof startProgramProcess>> | undefined;
  try {
    await pushImage(registry.host, "test/busybox", "1", {
      layers: await busyboxLayers(),
      config: { Cmd: ["sh"], Env: ["PATH=/bin"] },
    });

    await t.step("zone diff and apply -f: once, by hand", async () => {
      const file = join(root, "once.toml");
      Deno.writeTextFileSync(
        file,
        `[zone]\nname = "once"\n[[workloads]]\nname = "hello"\nimage = "${image}"\n` +
          `command = ["sh", "-c", "echo hi"]\n`,
      );
      const diff = await runCli(root, "zone", "diff", "-f", file);
      assert.equal(diff.code, 0, diff.stderr);
      assert.equal(
        diff.stdout,
        "+ zone once (declared, not running)\n+ workload hello in once (declared)\n",
      );
      const applied = await runCli(root, "zone", "apply", "-f", file, "--timeout", "60");
      assert.equal(applied.code, 0, applied.stderr + daemon.logs());
      assert.match(applied.stdout, /zone once applied from .*once\.toml/);
      await until("hello done", async () => {
        const w = await cliJson(root, "workload", "get", "hello");
        return w.status.state === "WORKLOAD_STATE_COMPLETED" ? w : undefined;
      }, 30);
      const again = await runCli(root, "zone", "diff", "-f", file);
      assert.match(again.stdout, /zone once matches/);
      Deno.writeTextFileSync(file, '[zone]\nname = "once"\nmemroy = 1\n');
      const bad = await runCli(root, "zone", "apply", "-f", file);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /once\.toml: zone\.memroy: is not a setting here/);
    });

    const dir = protectPaths(root).declaredZonesDir;
    Deno.mkdirSync(dir, { recursive: true });
    const declared = join(dir, "flaky.toml");
    Deno.writeTextFileSync(
      declared,
      `[zone]\nname = "flaky"\n[[workloads]]\nname = "fails"\nimage = "${image}"\n` +
        `command = ["sh", "-c", "exit 3"]\n`,
    );
    orchestrator = await startProgramProcess("orchestrator", root);

    await t.step(
      "a declared zone is created; its failing workload runs again, backing off",
      async () => {
        await until("zone flaky READY", async () => {
          const r = await runCli(root, "zone", "get", "flaky", "-o", "json");
          return r.code === 0 && JSON.parse(r.stdout).status.state === "ZONE_STATE_READY"
            ? true
            : undefined;
        }, 60);
        // Restarts 2, 3 and 4 come 1 s, 2 s and 4 s after the one before.
        await until("four runs of the failing workload", () =>
          Promise.resolve(
            (orchestrator!.logs().match(/restarting after back-off/g) ?? []).length >= 2
              ? true
              : undefined,
          ), 60);
        const logs = orchestrator!.logs();
        assert.match(logs, /declared zone .*zone=flaky action=create-zone/);
        assert.match(
          logs,
          /action=restart-workload reason="~ workload fails in flaky: run again \(workload fails exited 3( \(\w+\))?; restart = on-failure\)"/,
        );
        assert.match(
          logs,
          /restarting after back-off what=flaky\/fails restart=2 nextDelayMs=2000/,
        );
        assert.match(
          logs,
          /restarting after back-off what=flaky\/fails restart=3 nextDelayMs=4000/,
        );
        // Each decision is an event too (the daemon logs what it publishes); from the third
        // restart on, the 4 s back-off outlasts the 2 s look, and the wait is said.
        assert.match(
          daemon.logs(),
          /policy decision source=orchestrator zone=flaky action=restart-workload/,
        );
        await until("a back-off wait", () =>
          Promise.resolve(
            /policy decision source=orchestrator zone=flaky action=wait reason=".*back-off \d+ s"/
                .test(daemon.logs())
              ? true
              : undefined,
          ), 30);
      },
    );

    await t.step("a changed file replaces the zone; a removed one destroys it", async () => {
      const before = (await cliJson(root, "zone", "get", "flaky")).id;
      Deno.writeTextFileSync(
        declared,
        `[zone]\nname = "flaky"\n[[workloads]]\nname = "fine"\nimage = "${image}"\n` +
          `command = ["sh", "-c", "exit 0"]\n`,
      );
      await until("flaky replaced", async () => {
        const r = await runCli(root, "zone", "get", "flaky", "-o", "json");
        if (r.code !== 0) return undefined;
        const z = JSON.parse(r.stdout);
        return z.id !== before && z.status.state === "ZONE_STATE_READY" ? true : undefined;
      }, 60);
      assert.match(orchestrator!.logs(), /action=replace-zone .*its declaration changed/);
      Deno.removeSync(declared);
      await until(
        "flaky gone",
        async () => (await runCli(root, "zone", "get", "flaky")).code !== 0 ? true : undefined,
        60,
      );
      assert.match(orchestrator!.logs(), /its declaration .*flaky\.toml was removed/);
      assert.equal(
        (await cliJson(root, "zone", "get", "once")).spec.name,
        "once",
        "not ours to remove",
      );
    });
  } finally {
    await orchestrator?.stop();
    await runCli(root, "zone", "destroy", "once", "--wait").catch(() => {});
    await storage.stop();
    await daemon.stop();
    await registry.stop();
    Deno.removeSync(root, { recursive: true });
  }
});
