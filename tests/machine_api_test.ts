/**
 * `protect machine` exposes no unauthenticated port: the daemon's API reaches the
 * host only through a Unix socket of mode 0660, and the loopback TCP hop (QEMU's
 * hostfwd) drops every connection that does not start with the machine's secret.
 * Both forwarders run here as they do in `protect machine`, in front of a real
 * protect-daemon; an unprivileged user (runuser) is refused on both paths.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { forward, newSecret } from "../tools/machine/forwarder.ts";
import { freePort } from "./helpers/registry.ts";
import { REPO, startDaemonProcess, tempRoot } from "./helpers/processes.ts";
import { skipIf } from "./helpers/skip.ts";

const CLIENT = join(REPO, "tests/helpers/raw_request.ts");

/** Runs the raw client as `user` (runuser) or as this process's user. */
async function request(address: string, preamble?: string, user?: string): Promise<string> {
  const deno = [Deno.execPath(), "run", "--no-config", "-A", CLIENT, address];
  if (preamble) deno.push(preamble);
  const cacheDir = Deno.makeTempDirSync({ prefix: "protect-deno-cache-" });
  Deno.chmodSync(cacheDir, 0o777);
  try {
    const [command, ...args] = user ? ["runuser", "-u", user, "--", ...deno] : deno;
    const out = await new Deno.Command(command, {
      args,
      env: { DENO_DIR: cacheDir, NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `client failed: ${stderr}`);
    return new TextDecoder().decode(out.stdout).trim();
  } finally {
    Deno.removeSync(cacheDir, { recursive: true });
  }
}

Deno.test({
  ...skipIf(
    Deno.uid() !== 0 && "needs root (runuser, another user)",
    "protect machine: the API refuses an unprivileged user on the Unix socket and on the TCP hop",
  ),
}, async (t) => {
  const root = tempRoot();
  const daemon = await startDaemonProcess(root);
  // World-traversable, so the socket's own mode is what refuses other users.
  const hostDir = Deno.makeTempDirSync({ prefix: "protect-machine-host-" });
  Deno.chmodSync(hostDir, 0o755);
  const hostSocket = join(hostDir, "daemon.sock");
  const port = freePort();
  const secret = newSecret();
  const refused: string[] = [];
  const dom0 = forward({
    listen: { transport: "tcp", hostname: "127.0.0.1", port },
    to: { transport: "unix", path: daemon.socket },
    requireSecret: secret,
    preambleTimeoutMs: 1_000,
    log: (m) => refused.push(m),
  });
  const host = forward({
    listen: { transport: "unix", path: hostSocket },
    to: { transport: "tcp", hostname: "127.0.0.1", port },
    sendSecret: secret,
  });
  try {
    await t.step("root reaches the daemon through the host's Unix socket", async () => {
      assert.equal(Deno.statSync(hostSocket).mode! & 0o777, 0o660);
      assert.equal(await request(`unix:${hostSocket}`), "HTTP/1.1 200 OK");
    });
    await t.step("another user cannot open the Unix socket", async () => {
      assert.equal(await request(`unix:${hostSocket}`, undefined, "nobody"), "PermissionDenied");
    });
    await t.step("another user on the TCP port gets no reply: no secret, no API", async () => {
      assert.equal(await request(`tcp:127.0.0.1:${port}`, undefined, "nobody"), "closed");
      const guess = `protect-machine ${"0".repeat(64)}`;
      assert.equal(await request(`tcp:127.0.0.1:${port}`, guess, "nobody"), "closed");
      assert.ok(refused.length >= 2, refused.join("\n"));
      assert.match(refused[0], /did not start with the machine secret/);
    });
    await t.step("the secret opens the TCP hop (what the host forwarder sends)", async () => {
      const reply = await request(`tcp:127.0.0.1:${port}`, `protect-machine ${secret}`, "nobody");
      assert.equal(reply, "HTTP/1.1 200 OK");
    });
  } finally {
    host.close();
    dom0.close();
    await daemon.stop();
    Deno.removeSync(hostDir, { recursive: true });
    Deno.removeSync(root, { recursive: true });
  }
});
