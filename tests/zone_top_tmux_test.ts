/**
 * `protect zone top` in a real terminal (tmux): it draws the zones, re-sorts on a key, refreshes
 * as zones change, and quits on q, giving the terminal back.
 */
import assert from "node:assert/strict";
import { denoRunArgs, runCli, startDaemonProcess, tempRoot } from "./helpers/processes.ts";

async function tmux(...args: string[]): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command("tmux", { args, stdin: "null", stderr: "piped" }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

async function waitForPane(session: string, test: (screen: string) => boolean): Promise<string> {
  let screen = "";
  for (let i = 0; i < 100; i++) {
    screen = (await tmux("capture-pane", "-p", "-t", session)).stdout;
    if (test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the pane never showed what was expected:\n${screen}`);
}

Deno.test("zone top in tmux: rows for each zone, sorting keys, live refresh, q quits", async () => {
  const root = tempRoot();
  const daemon = await startDaemonProcess(root);
  const session = `protect-top-${crypto.randomUUID().slice(0, 8)}`;
  try {
    for (const name of ["zulu", "alpha"]) {
      const r = await runCli(root, "zone", "launch", "-n", name, "--wait");
      assert.equal(r.code, 0, r.stderr);
    }
    const command = [
      Deno.execPath(),
      ...denoRunArgs("cli", "protect/main.ts", root),
      "--root",
      root,
      "zone",
      "top",
      "--interval",
      "0.5",
      "--sort",
      "cpu",
    ].map((a) => `'${a}'`).join(" ");
    const started = await tmux(
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "150",
      "-y",
      "30",
      // The pane stays after the command ends, so its exit status can be read.
      `${command}; echo "top exited $?"; sleep 30`,
    );
    assert.equal(started.code, 0);
    const rows = (screen: string) =>
      screen.split("\n").filter((l) => /^(alpha|zulu|bravo)\s/.test(l)).map((l) =>
        l.split(/\s+/)[0]
      );

    let screen = await waitForPane(session, (s) => rows(s).length === 2);
    assert.match(screen, /protect zone top: 2 zones on fake, \d+ CPUs/);
    assert.match(screen, /sorted by cpu \(c: cpu, m: memory, n: name, q: quit\)/);
    assert.match(screen, /NAME\s+STATE\s+TYPE\s+VCPUS\s+CPU%\s+MEM MiB \(CUR\/TARGET\/MAX\)/);
    assert.match(screen, /^alpha\s+READY\s+pv\s+-\s+-\s+-\s+-\s*$/m, "no made-up figures");

    await tmux("send-keys", "-t", session, "n");
    screen = await waitForPane(session, (s) => s.includes("sorted by name"));
    assert.deepEqual(rows(screen), ["alpha", "zulu"]);

    const r = await runCli(root, "zone", "launch", "-n", "bravo", "--wait");
    assert.equal(r.code, 0, r.stderr);
    screen = await waitForPane(session, (s) => rows(s).length === 3);
    assert.deepEqual(rows(screen), ["alpha", "bravo", "zulu"]);

    await tmux("send-keys", "-t", session, "q");
    screen = await waitForPane(session, (s) => s.includes("top exited"));
    assert.match(screen, /top exited 0/);
    assert.doesNotMatch(screen, /protect zone top:/, "the alternate screen is gone");
  } finally {
    await tmux("kill-session", "-t", session);
    await daemon.stop();
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("zone top -o json takes one snapshot; a bad --interval is refused", async () => {
  const root = tempRoot();
  const daemon = await startDaemonProcess(root);
  try {
    assert.equal((await runCli(root, "zone", "launch", "-n", "one", "--wait")).code, 0);
    const r = await runCli(root, "zone", "top", "-o", "json");
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout);
    assert.deepEqual(rows.map((z: { name: string; state: string }) => [z.name, z.state]), [
      ["one", "READY"],
    ]);
    const bad = await runCli(root, "zone", "top", "--interval", "0");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--interval "0" is not a number of seconds from 0\.5 to 60/);
  } finally {
    await daemon.stop();
    Deno.removeSync(root, { recursive: true });
  }
});
