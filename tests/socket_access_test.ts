/**
 * Who may drive protect: daemon.sock is root:GROUP 0660 (daemon.toml socket_group). A real
 * unprivileged user (setpriv) outside the group is refused with a message that names the
 * socket and the group to join (exit 3); the same user in the group is served.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { groupId } from "../lib/fs/mod.ts";
import { protectPaths } from "../lib/paths/mod.ts";
import { REPO, startProgramProcess, tempRoot, writeDaemonConfig } from "./helpers/processes.ts";
import { until } from "./helpers/until.ts";

const NOBODY = 65534;

async function run(cmd: string, args: string[]) {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("daemon.sock: the socket group's members are served, other users refused with how to join", async () => {
  const group = `ptest${crypto.randomUUID().slice(0, 6)}`;
  assert.equal((await run("groupadd", [group])).code, 0, "groupadd");
  const root = tempRoot();
  const cli = Deno.makeTempDirSync();
  let daemon;
  try {
    const gid = groupId(group)!;
    writeDaemonConfig(root, `[daemon]\ndriver = "fake"\nsocket_group = "${group}"\n`);
    daemon = await startProgramProcess("daemon", root);
    const socket = protectPaths(root).daemonSocket;
    const info = Deno.statSync(socket);
    assert.equal(info.uid, 0);
    assert.equal(info.gid, gid);
    assert.equal(info.mode! & 0o777, 0o660);
    // As systemd lays it out: /run/protect is root:GROUP, setgid, closed to others.
    for (const dir of [root, join(root, "run")]) Deno.chmodSync(dir, 0o711);
    Deno.chownSync(join(root, "run/protect"), 0, gid);
    Deno.chmodSync(join(root, "run/protect"), 0o2750);

    // The CLI as one file an unprivileged user can read (the npm cache is root's).
    Deno.chmodSync(cli, 0o777);
    const bundled = await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform",
      "deno",
      "-o",
      join(cli, "protect.js"),
      join(REPO, "protect/main.ts"),
    ]);
    assert.equal(bundled.code, 0, bundled.stderr);
    const asNobody = (groups: string[]) =>
      run("setpriv", [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        ...(groups.length ? [`--groups=${groups.join(",")}`] : ["--clear-groups"]),
        "env",
        `DENO_DIR=${cli}/deno`,
        `HOME=${cli}`,
        Deno.execPath(),
        "run",
        "-A",
        join(cli, "protect.js"),
        "--socket",
        socket,
        "zone",
        "list",
      ]);
    const outsider = await asNobody([]);
    assert.equal(outsider.code, 3, outsider.stderr);
    assert.match(
      outsider.stderr,
      new RegExp(
        `permission denied on ${socket}: protect-daemon serves root and group ${group}; ` +
          `join it \\(usermod -aG ${group} \\$USER`,
      ),
    );
    const member = await asNobody([String(gid)]);
    assert.equal(member.code, 0, member.stderr);
    assert.match(member.stdout, /NAME/);
  } finally {
    await daemon?.stop();
    await run("groupdel", [group]);
    Deno.removeSync(root, { recursive: true });
    Deno.removeSync(cli, { recursive: true });
  }
});

Deno.test("daemon.sock: without its group, only root may use it (0600), and the log says how to fix it", async () => {
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "fake"\nsocket_group = "no-such-group-x"\n');
  const daemon = await startProgramProcess("daemon", root);
  try {
    // The socket answers as soon as it listens; its mode is set just after, then logged.
    await until(
      "the socket group warning",
      () =>
        /the socket group does not exist.*groupadd --system no-such-group-x/.test(daemon.logs())
          ? true
          : undefined,
      10,
    );
    assert.equal(Deno.statSync(protectPaths(root).daemonSocket).mode! & 0o777, 0o600);
  } finally {
    await daemon.stop();
    Deno.removeSync(root, { recursive: true });
  }
});
