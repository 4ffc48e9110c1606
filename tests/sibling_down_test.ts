/**
 * protect-storage or protect-network killed (kill -9: its socket file stays behind): the
 * daemon's requests to it fail fast with a message that names it, the daemon keeps its own
 * state and goes on with what needs neither, and work resumes once the program is back.
 */
import assert from "node:assert/strict";
import {
  cliJson,
  type ProgramProcess,
  runCli,
  startProgramProcess,
  tempRoot,
  writeDaemonConfig,
} from "./helpers/processes.ts";
import { until } from "./helpers/until.ts";

/** Runs the CLI; the call must end within `ms` whatever it answers. */
async function quick(root: string, ms: number, ...args: string[]) {
  const started = performance.now();
  const r = await runCli(root, ...args);
  const took = performance.now() - started;
  assert.ok(took < ms, `protect ${args.join(" ")} took ${took.toFixed(0)} ms`);
  return r;
}

const state = async (root: string, name: string) =>
  (await cliJson(root, "zone", "get", name)).status as {
    state: string;
    ipv4?: string;
    error?: string;
  };

Deno.test("storage or network down: fast, named failures; the daemon keeps its state; work resumes", async (t) => {
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "fake"\n[fake]\nboot_delay_ms = 0\n');
  Deno.writeTextFileSync(
    `${root}/etc/protect/network.toml`,
    '[network]\nipv4_pool = "10.76.0.0/28"\nipv6_pool = "fd00:76::/48"\n',
  );
  const daemon = await startProgramProcess("daemon", root);
  let storage: ProgramProcess = await startProgramProcess("storage", root);
  let network: ProgramProcess = await startProgramProcess("network", root);
  try {
    const reservations = async () =>
      (await cliJson(root, "network", "reservation", "list")) as {
        zoneId?: string;
        ipv4: string;
      }[];
    const holds = async (name: string) => {
      const id = (await cliJson(root, "zone", "get", name)).id;
      return (await reservations()).find((r) => r.zoneId === id);
    };
    assert.equal((await runCli(root, "zone", "launch", "-n", "a", "--wait")).code, 0);
    // The fake driver's zones make no NIC: zone a's addresses are reserved by hand.
    const reserved = await runCli(root, "network", "reservation", "create", "--zone", "a");
    assert.equal(reserved.code, 0, reserved.stderr);
    assert.ok(await holds("a"));

    await t.step("protect-storage killed: image calls fail at once, naming it", async () => {
      await storage.stop("SIGKILL");
      const r = await quick(root, 5000, "image", "list");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot reach protect-storage at .*storage\.sock/);
      const w = await quick(root, 5000, "image", "pull", "localhost:1/busybox:1");
      assert.notEqual(w.code, 0);
      assert.match(w.stderr, /cannot reach protect-storage at .*storage\.sock: Connection refused/);
    });

    await t.step("…while the daemon keeps its state and launches zones", async () => {
      assert.equal((await state(root, "a")).state, "ZONE_STATE_READY");
      const b = await quick(root, 10_000, "zone", "launch", "-n", "b", "--wait");
      assert.equal(b.code, 0, b.stderr);
    });

    await t.step("protect-storage back: image calls work again", async () => {
      storage = await startProgramProcess("storage", root);
      const r = await runCli(root, "image", "list");
      assert.equal(r.code, 0, r.stderr);
    });

    await t.step("protect-network killed: its calls fail at once, naming it", async () => {
      await network.stop("SIGKILL");
      const r = await quick(root, 5000, "network", "reservation", "list");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot reach protect-network at .*network\.sock/);
    });

    await t.step(
      "…the daemon keeps its state: zones launch (without an address) and destroy",
      async () => {
        const c = await quick(root, 10_000, "zone", "launch", "-n", "c", "--wait");
        assert.equal(c.code, 0, c.stderr);
        assert.equal((await state(root, "c")).state, "ZONE_STATE_READY");
        assert.equal((await state(root, "b")).state, "ZONE_STATE_READY");
        const gone = await quick(root, 10_000, "zone", "destroy", "a", "--wait");
        assert.equal(gone.code, 0, gone.stderr);
      },
    );

    await t.step(
      "protect-network back: it releases what the destroyed zone held and reserves again",
      async () => {
        network = await startProgramProcess("network", root);
        await until("zone a's reservation released", async () => {
          return (await reservations()).length === 0 ? true : undefined;
        }, 15);
        assert.equal((await runCli(root, "zone", "launch", "-n", "e", "--wait")).code, 0);
        const made = await runCli(root, "network", "reservation", "create", "--zone", "e");
        assert.equal(made.code, 0, made.stderr);
        assert.match((await holds("e"))!.ipv4, /^10\.76\.0\./);
      },
    );
  } finally {
    await network.stop().catch(() => {});
    await storage.stop().catch(() => {});
    await daemon.stop();
  }
});
