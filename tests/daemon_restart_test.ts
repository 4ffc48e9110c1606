import assert from "node:assert/strict";
import { join } from "node:path";
import { protectPaths } from "../lib/paths/mod.ts";
import {
  cliJson,
  denoRunArgs,
  runCli,
  startDaemonProcess,
  tempRoot,
  writeDaemonConfig,
} from "./helpers/processes.ts";

const zoneState = async (root: string, name: string) =>
  (await cliJson(root, "zone", "get", name)).status;

Deno.test("kill -9 mid-launch: the restarted daemon resumes the launch from the database", async () => {
  const root = tempRoot();
  // A slow simulated boot keeps the zone in CREATED long enough to kill the daemon.
  writeDaemonConfig(root, '[daemon]\ndriver = "fake"\n[fake]\nboot_delay_ms = 2500\n');
  let daemon = await startDaemonProcess(root);
  try {
    assert.equal((await runCli(root, "zone", "launch", "-n", "slow")).code, 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await zoneState(root, "slow")).state, "ZONE_STATE_CREATED");
    await daemon.stop("SIGKILL");

    daemon = await startDaemonProcess(root);
    assert.match(daemon.logs(), /removing stale socket/);
    assert.match(daemon.logs(), /resuming interrupted launch zone=slow state=CREATED/);
    const r = await runCli(root, "zone", "launch", "-n", "other", "--wait");
    assert.equal(r.code, 0, r.stderr);
    const wait = await runCli(root, "zone", "get", "slow", "-o", "json");
    const deadline = Date.now() + 10_000;
    let state = JSON.parse(wait.stdout).status.state;
    while (state !== "ZONE_STATE_READY" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      state = (await zoneState(root, "slow")).state;
    }
    assert.equal(state, "ZONE_STATE_READY");
  } finally {
    await daemon.stop();
  }
});

Deno.test("restart reconciles both ways: orphan guests destroyed, lost guests FAILED", async () => {
  const root = tempRoot();
  let daemon = await startDaemonProcess(root);
  const guestsFile = join(protectPaths(root).stateDir, "fake-driver.json");
  try {
    assert.equal((await runCli(root, "zone", "launch", "-n", "lost", "--wait")).code, 0);
    await daemon.stop();

    // While the daemon is down: the zone's guest vanishes and a stray guest appears.
    const guests = JSON.parse(Deno.readTextFileSync(guestsFile));
    assert.equal(guests.length, 1);
    Deno.writeTextFileSync(
      guestsFile,
      JSON.stringify([{ ...guests[0], zoneId: "stray", domainId: 99 }]),
    );

    daemon = await startDaemonProcess(root);
    assert.match(daemon.logs(), /guest has no zone record; destroying the orphan zone=stray/);
    assert.deepEqual(JSON.parse(Deno.readTextFileSync(guestsFile)), []);
    const status = await zoneState(root, "lost");
    assert.equal(status.state, "ZONE_STATE_FAILED");
    assert.equal(status.error, "guest disappeared while the daemon was down");
  } finally {
    await daemon.stop();
  }
});

Deno.test("a second daemon on the same root refuses to start", async () => {
  const root = tempRoot();
  const daemon = await startDaemonProcess(root);
  try {
    const second = await new Deno.Command(Deno.execPath(), {
      args: [...denoRunArgs("daemon", "daemon/main.ts", root), "--root", root],
      stdin: "null",
    }).output();
    assert.equal(second.code, 1);
    assert.match(
      new TextDecoder().decode(second.stderr),
      /protect-daemon: another process is already serving .*daemon\.sock/,
    );
    // The first daemon is unharmed.
    assert.equal((await runCli(root, "zone", "list")).code, 0);
  } finally {
    await daemon.stop();
  }
});

Deno.test("SIGTERM stops the daemon even with clients streaming from it", async () => {
  const root = tempRoot();
  const daemon = await startDaemonProcess(root);
  const watcher = new Deno.Command(Deno.execPath(), {
    args: [...denoRunArgs("cli", "protect/main.ts", root), "--root", root, "zone", "watch"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((r) => setTimeout(r, 1000));
  const stopped = await Promise.race([
    daemon.stop("SIGTERM").then((s) => s.code),
    new Promise<string>((r) => setTimeout(() => r("still running after 10 s"), 10_000)),
  ]);
  assert.equal(stopped, 0);
  await watcher.status; // the watch ends with the daemon
});
