/**
 * protect-network stops promptly on SIGTERM and says so: while following protect-daemon's
 * events, and while waiting to retry a daemon that is not there.
 */
import assert from "node:assert/strict";
import { startProgramProcess, tempRoot, writeDaemonConfig } from "./helpers/processes.ts";

async function timedStop(network: Awaited<ReturnType<typeof startProgramProcess>>) {
  const started = performance.now();
  const status = await network.stop("SIGTERM");
  return { ms: performance.now() - started, code: status.code };
}

Deno.test("protect-network stops within a second of SIGTERM and logs that it stopped", async () => {
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "fake"\n');
  Deno.writeTextFileSync(
    `${root}/etc/protect/network.toml`,
    '[network]\nipv4_pool = "10.76.0.0/29"\nipv6_pool = "fd00:76::/48"\n',
  );
  // No daemon yet: protect-network is between retries.
  let network = await startProgramProcess("network", root);
  await new Promise((r) => setTimeout(r, 300));
  let stop = await timedStop(network);
  assert.equal(stop.code, 0);
  assert.ok(stop.ms < 1000, `stopped in ${Math.round(stop.ms)} ms while waiting to retry`);
  assert.match(network.logs(), /protect-network stopped/);

  const daemon = await startProgramProcess("daemon", root);
  try {
    network = await startProgramProcess("network", root);
    const deadline = Date.now() + 10_000;
    while (!/following protect-daemon's zone events/.test(network.logs())) {
      assert.ok(Date.now() < deadline, network.logs());
      await new Promise((r) => setTimeout(r, 50));
    }
    stop = await timedStop(network);
    assert.equal(stop.code, 0);
    assert.ok(stop.ms < 1000, `stopped in ${Math.round(stop.ms)} ms while following`);
    assert.match(network.logs(), /protect-network stopped/);
  } finally {
    await daemon.stop();
    Deno.removeSync(root, { recursive: true });
  }
});
