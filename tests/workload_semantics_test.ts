/**
 * What a workload gets, as Docker gives it, on process-driver zones (runc): the
 * default seccomp filter (EPERM) and unconfined, a CPU quota held, host directories
 * copied in read-only, HOSTNAME, users named in the image's /etc/passwd with their
 * groups, tmpfs mounts, Docker's exit codes, named volumes carried between zones.
 */
import assert from "node:assert/strict";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { ControlService } from "../proto/mod.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import {
  cliJson,
  denoRunArgs,
  runCli,
  startProgramProcess,
  startStorageProcess,
  tempRoot,
  writeDaemonConfig,
} from "./helpers/processes.ts";
import { pushImage, startRegistry } from "./helpers/registry.ts";

const file = (path: string, text: string) => ({
  path,
  content: new TextEncoder().encode(text),
  mode: 0o644,
});

Deno.test("workloads as Docker runs them: seccomp, cpu quota, HOSTNAME, image users, tmpfs", async (t) => {
  const registry = await startRegistry();
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
  const daemon = await startProgramProcess("daemon-process", root);
  const storage = await startStorageProcess(root);
  const image = `${registry.host}/test/busybox-users:1`;
  const launch = (...args: string[]) =>
    runCli(
      root,
      "workload",
      "launch",
      "--zone",
      "z",
      ...args.slice(0, -1),
      image,
      "--",
      "sh",
      "-c",
      args.at(-1)!,
    );
  try {
    await pushImage(registry.host, "test/busybox-users", "1", {
      layers: await busyboxLayers([
        file("etc/passwd", "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n"),
        file("etc/group", "root:x:0:\napp:x:1000:\nshared:x:50000:app\n"),
      ]),
      config: { Cmd: ["sh"], Env: ["PATH=/bin"] },
    });
    const launched = await runCli(root, "zone", "launch", "-n", "z", "--wait", "--timeout", "60");
    assert.equal(launched.code, 0, launched.stderr + daemon.logs());

    await t.step(
      "the default seccomp filter: unshare fails with EPERM; unconfined it works",
      async () => {
        const denied = await launch("unshare -U true 2>&1; echo rc=$?");
        assert.match(denied.stdout, /Operation not permitted/, denied.stdout + denied.stderr);
        assert.match(denied.stdout, /rc=[1-9]/);
        const open = await launch(
          "--security-opt",
          "seccomp=unconfined",
          "unshare -U true 2>&1; echo rc=$?",
        );
        assert.equal(open.stdout.trim(), "rc=0", open.stdout + open.stderr);
        const bad = await launch("--security-opt", "apparmor=x", "true");
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /only seccomp=default\|unconfined\|FILE/);
      },
    );

    await t.step("--cpus 0.5 holds a CPU-bound workload to half a CPU (within 10%)", async () => {
      const r = await launch(
        "--cpus",
        "0.5",
        "time sh -c 'i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done' 2>&1",
      );
      const seconds = (name: string) => {
        const m = new RegExp(`${name}\\s+(\\d+)m\\s*([\\d.]+)s`).exec(r.stdout);
        assert.ok(m, `no ${name} time in ${r.stdout} ${r.stderr}`);
        return Number(m[1]) * 60 + Number(m[2]);
      };
      const share = (seconds("user") + seconds("sys")) / seconds("real");
      console.log(
        `cpu share with --cpus 0.5: ${share.toFixed(3)} (${r.stdout.replace(/\s+/g, " ")})`,
      );
      assert.ok(share > 0.45 && share < 0.55, `share ${share}`);
    });

    await t.step(
      "host directories are copied in, read-only; a source outside is refused",
      async () => {
        const cfg = `${root}/var/lib/protect/mounts/cfg`;
        Deno.mkdirSync(`${cfg}/sub`, { recursive: true });
        Deno.writeTextFileSync(`${cfg}/app.conf`, "key=value\n");
        Deno.writeTextFileSync(`${cfg}/sub/token`, "secret\n", { mode: 0o600 });
        const r = await launch(
          "-v",
          `${cfg}:/etc/app`,
          "cat /etc/app/app.conf /etc/app/sub/token; touch /etc/app/new 2>&1; echo rc=$?",
        );
        assert.match(r.stdout, /^key=value\nsecret\n.*Read-only file system\nrc=1\n$/s, r.stderr);
        const outside = await launch("-v", "/etc:/host-etc", "true");
        assert.equal(outside.code, 125, outside.stderr);
        assert.match(
          outside.stderr,
          /spec.mounts\[0\].source: .* is not inside .*var\/lib\/protect\/mounts/,
        );
        const writable = await launch("-v", `${cfg}:/etc/app:rw`, "true");
        assert.equal(writable.code, 125);
        assert.match(writable.stderr, /read_only: must be true/);
        const volume = await launch("-v", "nosuchvolume:/data", "true");
        assert.equal(volume.code, 125);
        assert.match(volume.stderr, /volume nosuchvolume does not exist \(create it with/);
      },
    );

    await t.step(
      "attach: -i feeds stdin; -t -i gives a terminal; exit codes come back",
      async () => {
        const cli = denoRunArgs("cli", "protect/main.ts", root);
        const piped = new Deno.Command(Deno.execPath(), {
          args: [
            ...cli,
            "--root",
            root,
            "workload",
            "launch",
            "-i",
            "--zone",
            "z",
            image,
            "--",
            "sh",
            "-c",
            "read x; echo got $x; exit 4",
          ],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const writer = piped.stdin.getWriter();
        await writer.write(new TextEncoder().encode("hello\n"));
        await writer.close();
        const out = await piped.output();
        assert.equal(
          new TextDecoder().decode(out.stdout),
          "got hello\n",
          new TextDecoder().decode(out.stderr),
        );
        assert.equal(out.code, 4);
        // -t -i on a terminal: script(1) gives the CLI one; the shell sees a tty of its own.
        const line = [
          Deno.execPath(),
          ...cli,
          "--root",
          root,
          "workload",
          "launch",
          "-t",
          "-i",
          "--zone",
          "z",
          image,
          "--",
          "sh",
        ]
          .map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(" ");
        const tty = new Deno.Command("script", {
          args: ["-q", "-e", "-c", `stty rows 33 cols 77; ${line}`, "/dev/null"],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const keys = tty.stdin.getWriter();
        await new Promise((r) => setTimeout(r, 3000));
        await keys.write(
          new TextEncoder().encode("[ -t 0 ] && echo IS-A-TTY; stty size; exit 6\r"),
        );
        const done = await tty.output();
        const shown = new TextDecoder().decode(done.stdout);
        assert.match(shown, /IS-A-TTY\r*\n33 77/, shown);
        assert.equal(done.code, 6, shown);
        await keys.close().catch(() => {});
      },
    );

    await t.step("Docker's flags: --entrypoint, --env-file, --rm, labels and list -l", async () => {
      const envFile = `${root}/app.env`;
      Deno.writeTextFileSync(envFile, "# settings\nA=from-file\nB=file\n\n");
      const env = await launch("--env-file", envFile, "-e", "B=flag", "echo $A $B");
      assert.equal(env.stdout, "from-file flag\n", env.stderr);
      const entry = await runCli(
        root,
        "workload",
        "launch",
        "--zone",
        "z",
        "--entrypoint",
        "echo",
        image,
        "via",
        "entrypoint",
      );
      assert.equal(entry.stdout, "via entrypoint\n", entry.stderr);
      const removed = await launch("--rm", "--name", "gone", "echo bye; exit 2");
      assert.equal(removed.stdout, "bye\n", removed.stderr);
      assert.equal(removed.code, 2, "--rm keeps the exit code");
      assert.notEqual((await runCli(root, "workload", "get", "gone")).code, 0, "--rm removed it");
      const labelled = await launch("-l", "team=a", "--name", "tagged", "true");
      assert.equal(labelled.code, 0, labelled.stderr);
      const listed = await runCli(root, "workload", "list", "-l", "team=a", "-o", "json");
      assert.deepEqual(
        JSON.parse(listed.stdout).map((w: { spec: { name: string } }) => w.spec.name),
        ["tagged"],
      );
      const badFile = `${root}/bad.env`;
      Deno.writeTextFileSync(badFile, "JUSTNAME\n");
      const bad = await launch("--env-file", badFile, "true");
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /bad.env:1: "JUSTNAME" is not NAME=value/);
    });

    await t.step("zone console input is refused with the reason, not dropped", async () => {
      const client = createClient(ControlService, createUnixTransport(daemon.socket));
      const requests = async function* () {
        yield { zoneId: (await cliJson(root, "zone", "get", "z")).id, follow: true };
        yield { data: new TextEncoder().encode("id\n") };
      };
      const error = await (async () => {
        for await (const _ of client.attachZoneConsole(requests())) { /* output */ }
      })().catch((e) => e);
      assert.ok(error instanceof ConnectError, String(error));
      assert.equal(error.code, Code.Unimplemented);
      assert.match(
        error.rawMessage,
        /zone console input needs a console device, which process-driver/,
      );
    });

    await t.step(
      "HOSTNAME is set; image users resolve with their groups; tmpfs mounts",
      async () => {
        const host = await launch("echo $HOSTNAME");
        assert.equal(host.stdout, "z\n", host.stderr);
        const app = await launch("--user", "app", "id -u; id -g; id -G");
        assert.equal(app.stdout, "1000\n1000\n1000 50000\n", app.stderr);
        const uidOnly = await launch("--user", "1002", "id -u; id -g");
        assert.equal(uidOnly.stdout, "1002\n0\n", uidOnly.stderr);
        const unknown = await launch("--user", "nobody", "true");
        assert.notEqual(unknown.code, 0);
        assert.match(unknown.stderr, /user "nobody" is not in the image's \/etc\/passwd/);
        const tmpfs = await launch(
          "--tmpfs",
          "/scratch",
          "--tmpfs",
          "/ro:ro",
          "grep -E ' /(scratch|ro) ' /proc/mounts",
        );
        assert.match(tmpfs.stdout, /^tmpfs \/scratch tmpfs rw,/m, tmpfs.stderr);
        assert.match(tmpfs.stdout, /^tmpfs \/ro tmpfs ro,/m);
      },
    );

    await t.step(
      "Docker's exit codes: 127 not found, 126 not executable, 125 never ran",
      async () => {
        const run = (...args: string[]) =>
          runCli(root, "workload", "launch", "--zone", "z", image, "--", ...args);
        const missing = await run("nosuchcmd");
        assert.equal(missing.code, 127, missing.stderr);
        assert.match(missing.stderr, /nosuchcmd: command not found in \$PATH/);
        const notExec = await run("/etc/passwd");
        assert.equal(notExec.code, 126, notExec.stderr);
        assert.match(notExec.stderr, /\/etc\/passwd: permission denied/);
        const noImage = await runCli(
          root,
          "workload",
          "launch",
          "--zone",
          "z",
          `${registry.host}/no/such:1`,
        );
        assert.equal(noImage.code, 125, noImage.stderr);
        const list = (await runCli(root, "workload", "list")).stdout;
        assert.match(list, /FAILED +127 /, list);

        const bg = await runCli(
          root,
          "workload",
          "launch",
          "-d",
          "--zone",
          "z",
          "--name",
          "bg",
          image,
          "--",
          "sh",
          "-c",
          "sleep 60",
        );
        assert.equal(bg.code, 0, bg.stderr);
        const exec = await runCli(root, "workload", "exec", "bg", "--", "nosuchcmd");
        assert.equal(exec.code, 127, exec.stderr);
        assert.match(exec.stderr, /nosuchcmd: command not found/);
        const ok = await runCli(root, "workload", "exec", "bg", "--", "sh", "-c", "exit 4");
        assert.equal(ok.code, 4, ok.stderr);
        await runCli(root, "workload", "stop", "bg");
      },
    );

    await t.step("a workload the OOM killer ends is reported OOMKilled, exit 137", async () => {
      // The shell holds 64 MiB of output in a variable, in a 16 MiB limit.
      const r = await launch(
        "--name",
        "hog",
        "-m",
        "16",
        "a=$(head -c 67108864 /dev/zero | tr '\\0' x); echo ${#a}",
      );
      assert.equal(r.code, 137, r.stderr + daemon.logs());
      assert.match(r.stderr, /workload hog was killed by the OOM killer/);
      const w = await cliJson(root, "workload", "get", "hog");
      assert.equal(w.status.reason, "OOMKilled");
      assert.equal(w.status.exitCode, 137);
      const fine = await launch("--name", "fine", "-m", "16", "true");
      assert.equal(fine.code, 0, fine.stderr);
      assert.equal((await cliJson(root, "workload", "get", "fine")).status.reason, "Completed");
    });

    await t.step(
      "a volume's data carries to the next zone; one zone at a time; rm only when free",
      async () => {
        const created = await runCli(root, "volume", "create", "data", "--size", "16");
        assert.equal(created.code, 0, created.stderr);
        const write = await launch("-v", "data:/data", "echo kept > /data/f; echo wrote");
        assert.equal(write.stdout, "wrote\n", write.stderr + daemon.logs());
        const z2 = await runCli(
          root,
          ...["zone", "launch", "-n", "z2", "--hostname", "web-0", "--dns", "10.96.0.10"],
          ...["--dns-search", "default.svc.cluster.local", "--dns-option", "ndots:5"],
          ...["--sysctl", "net.ipv4.ip_local_port_range=40000 50000"],
          ...["--wait", "--timeout", "60"],
        );
        assert.equal(z2.code, 0, z2.stderr);
        const inZ2 = (...args: string[]) =>
          runCli(
            root,
            "workload",
            "launch",
            "--zone",
            "z2",
            ...args.slice(0, -1),
            image,
            "--",
            "sh",
            "-c",
            args.at(-1)!,
          );
        const ports = await inZ2("cat /proc/sys/net/ipv4/ip_local_port_range");
        assert.equal(ports.stdout.replace(/\s+/g, " ").trim(), "40000 50000", ports.stderr);
        const hostKernel = await runCli(
          root,
          "zone",
          "launch",
          "-n",
          "zk",
          "--sysctl",
          "kernel.pid_max=99999",
        );
        assert.notEqual(hostKernel.code, 0);
        assert.match(hostKernel.stderr, /only namespaced sysctls/);
        const named = await inZ2("hostname; cat /etc/resolv.conf");
        assert.equal(
          named.stdout,
          "web-0\nnameserver 10.96.0.10\nsearch default.svc.cluster.local\noptions ndots:5\n",
          named.stderr,
        );
        const read = await inZ2("-v", "data:/data:ro", "cat /data/f; touch /data/g 2>&1; true");
        assert.match(read.stdout, /^kept\n.*Read-only file system/s, read.stderr);

        const held = await launch("-d", "--name", "holder", "-v", "data:/data", "sleep 60");
        assert.equal(held.code, 0, held.stderr);
        const [listed] = await cliJson(root, "volume", "list");
        assert.equal(listed.name, "data");
        assert.equal(listed.zoneId, (await cliJson(root, "zone", "get", "z")).id);
        const refused = await inZ2("-v", "data:/data", "true");
        assert.equal(refused.code, 125);
        assert.match(refused.stderr, /volume data is in use in zone .* one zone at a time/);
        const busy = await runCli(root, "volume", "rm", "data");
        assert.notEqual(busy.code, 0);
        assert.match(busy.stderr, /volume data is in use in zone .* by workload/);

        await runCli(root, "workload", "stop", "holder");
        const after = await inZ2("-v", "data:/data", "cat /data/f");
        assert.equal(after.stdout, "kept\n", after.stderr + daemon.logs());
        const removed = await runCli(root, "volume", "rm", "data");
        assert.equal(removed.code, 0, removed.stderr);
        assert.deepEqual(await cliJson(root, "volume", "list"), []);
        await runCli(root, "zone", "destroy", "z2", "--wait");
      },
    );
  } finally {
    await runCli(root, "zone", "destroy", "z", "--wait");
    await daemon.stop();
    await storage.stop();
    await registry.stop();
    Deno.removeSync(root, { recursive: true });
  }
});
