import assert from "node:assert/strict";
import { join } from "node:path";
import { protectPaths } from "../lib/paths/mod.ts";
import {
  cliJson,
  runCli,
  startProgramProcess,
  tempRoot,
  writeDaemonConfig,
} from "./helpers/processes.ts";

/** PIDs of unshare processes running the given zone. */
function zoneProcesses(zoneId: string): number[] {
  const out = new Deno.Command("ps", { args: ["-eo", "pid=,args="] }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => l.includes("unshare") && l.includes(zoneId))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("process driver: a real zone agent boots, survives a daemon kill -9, and is destroyed", async (t) => {
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
  let daemon = await startProgramProcess("daemon-process", root);
  const zone = async (name: string) => await cliJson(root, "zone", "get", name);
  let zoneId = "";
  try {
    await t.step(
      "launch --wait: the agent connects, applies bootstrap and reports ready",
      async () => {
        const r = await runCli(root, "zone", "launch", "-n", "p1", "--wait", "--timeout", "60");
        assert.equal(r.code, 0, r.stderr + daemon.logs());
        const z = await zone("p1");
        zoneId = z.id;
        assert.equal(z.status.state, "ZONE_STATE_READY");
        assert.equal(z.status.driver, "process");
        assert.equal(zoneProcesses(zoneId).length, 1);
        // A name taken: refused, and the agent started ahead for it is not left behind.
        const again = await runCli(root, "zone", "launch", "-n", "p1");
        assert.notEqual(again.code, 0);
        await new Promise((r) => setTimeout(r, 300));
        const agents = new TextDecoder().decode(
          new Deno.Command("ps", { args: ["-eo", "pid=,args="] }).outputSync().stdout,
        ).split("\n").filter((l) => /^\s*\d+ \S*unshare /.test(l) && l.includes(root));
        assert.equal(agents.length, 2, `p1's agent and one spare, not ${agents.length}`);
        const agentLog = Deno.readTextFileSync(
          join(protectPaths(root).zonesDir, "process", zoneId, "agent.log"),
        );
        assert.match(agentLog, /bootstrap applied .*hostname=p1/);
        const metrics = JSON.parse(
          (await runCli(root, "zone", "metrics", "p1", "-o", "json")).stdout,
        );
        assert.ok(Number(metrics.memoryTotalBytes) > 0);
        // The zone's own PID namespace: unshare's child (the agent) and the ps it ran.
        assert.ok(
          metrics.processCount >= 1 && metrics.processCount < 10,
          `processes ${metrics.processCount}`,
        );
        const logs = await runCli(root, "zone", "logs", "p1");
        assert.match(logs.stdout, /bootstrap applied .*hostname=p1/, logs.stderr);
        const status = await runCli(root, "host", "status");
        assert.match(status.stdout, /driver\s+process/);
        assert.match(status.stdout, /hardware isolation\s+NO/);
      },
    );

    await t.step("kill -9 the daemon: the zone keeps running and is re-adopted", async () => {
      await daemon.stop("SIGKILL");
      assert.equal(zoneProcesses(zoneId).length, 1, "the zone outlived the daemon");
      daemon = await startProgramProcess("daemon-process", root);
      await waitFor("the agent to reconnect", () => /zone agent connected/.test(daemon.logs()));
      assert.equal((await zone("p1")).status.state, "ZONE_STATE_READY");
    });

    await t.step(
      "a zone whose process died while the daemon was down is FAILED with the reason",
      async () => {
        assert.equal(
          (await runCli(root, "zone", "launch", "-n", "p2", "--wait", "--timeout", "60")).code,
          0,
        );
        const p2 = (await zone("p2")).id;
        await daemon.stop("SIGKILL");
        for (const pid of zoneProcesses(p2)) {
          await new Deno.Command("kill", { args: ["-KILL", String(pid)] }).output();
        }
        await waitFor("the zone process to exit", () => zoneProcesses(p2).length === 0);
        daemon = await startProgramProcess("daemon-process", root);
        const z = await zone("p2");
        assert.equal(z.status.state, "ZONE_STATE_FAILED");
        assert.equal(z.status.error, "zone process exited while the daemon was down");
      },
    );

    await t.step("destroy kills the zone's processes and removes its directory", async () => {
      for (const name of ["p1", "p2"]) {
        const r = await runCli(root, "zone", "destroy", name, "--wait");
        assert.equal(r.code, 0, r.stderr);
      }
      await waitFor("the zone process to exit", () => zoneProcesses(zoneId).length === 0);
      const dir = join(protectPaths(root).zonesDir, "process");
      const left = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert.equal(left.length, 1, "only the spare agent's directory (for the next zone)");
      const spare = left[0];
      assert.equal(zoneProcesses(spare).length, 1, "the spare agent runs");
      await daemon.stop();
      assert.deepEqual([...Deno.readDirSync(dir)], [], "a stopping daemon takes its spare along");
      assert.deepEqual(zoneProcesses(spare), []);
    });
  } finally {
    await daemon.stop();
    for (const pid of zoneProcesses(zoneId)) {
      await new Deno.Command("kill", { args: ["-KILL", String(pid)] }).output();
    }
  }
});
