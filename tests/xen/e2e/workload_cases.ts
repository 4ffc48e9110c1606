/** Workloads as users run them in a Xen zone: crun and seccomp, host directories, volumes, the OOM killer, attach, the zone console. (Imported in order by ../e2e_test.ts.) */
import assert from "node:assert/strict";
import { decoder, IMAGE, ok, protect, run, timed, timings, until } from "../e2e_helpers.ts";
import { opts } from "./e2e_options.ts";

Deno.test(
  "workloads on crun in a Xen zone: Docker's seccomp filter, a CPU share held, exit 127",
  opts,
  async () => {
    const sh = (...args: string[]) =>
      protect(
        "workload",
        "launch",
        "--zone",
        "e1",
        ...args.slice(0, -1),
        IMAGE,
        "--",
        "sh",
        "-c",
        args.at(-1)!,
      );
    const denied = await sh("unshare -U true 2>&1; echo rc=$?");
    assert.match(denied.stdout, /Operation not permitted/, denied.stdout + denied.stderr);
    const open = await sh(
      "--security-opt",
      "seccomp=unconfined",
      "unshare -U true 2>&1; echo rc=$?",
    );
    assert.equal(open.stdout.trim(), "rc=0", open.stdout + open.stderr);
    const cpu = await sh(
      "--cpus",
      "0.5",
      "time sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done' 2>&1",
    );
    const seconds = (name: string) => {
      const m = new RegExp(`${name}\\s+(\\d+)m\\s*([\\d.]+)s`).exec(cpu.stdout);
      assert.ok(m, `no ${name} time in ${cpu.stdout} ${cpu.stderr}`);
      return Number(m[1]) * 60 + Number(m[2]);
    };
    const share = (seconds("user") + seconds("sys")) / seconds("real");
    timings["cpu share with --cpus 0.5 (x1000)"] = Math.round(share * 1000);
    assert.ok(share > 0.45 && share < 0.55, `cpu share ${share}: ${cpu.stdout}`);
    const missing = await protect("workload", "launch", "--zone", "e1", IMAGE, "--", "nosuchcmd");
    assert.equal(missing.code, 127, missing.stderr);
  },
);

Deno.test("a host directory is copied into a workload in a Xen zone, read-only", opts, async () => {
  const cfg = "/var/lib/protect/mounts/cfg";
  Deno.mkdirSync(`${cfg}/sub`, { recursive: true });
  Deno.writeTextFileSync(`${cfg}/app.conf`, "key=value\n");
  Deno.writeFileSync(`${cfg}/sub/blob`, new Uint8Array(3 << 20).map((_, i) => i % 253));
  const r = await protect(
    "workload",
    "launch",
    "--zone",
    "e1",
    "-v",
    `${cfg}:/etc/app`,
    IMAGE,
    "--",
    "sh",
    "-c",
    "cat /etc/app/app.conf; md5sum /etc/app/sub/blob; touch /etc/app/x 2>&1; echo rc=$?",
  );
  const md5 = (await run("md5sum", `${cfg}/sub/blob`)).stdout.split(" ")[0];
  assert.match(
    r.stdout,
    new RegExp(`^key=value\\n${md5} .*Read-only file system\\nrc=1\\n$`, "s"),
    r.stderr,
  );
});

Deno.test("a volume's data carries from one Xen zone to the next", opts, async () => {
  const file = "/var/lib/protect/volumes/labvol.ext4";
  const loops = async () => (await run("losetup", "-j", file)).stdout.trim();
  await ok("volume", "create", "labvol", "--size", "32");
  const write = await protect(
    "workload",
    "launch",
    "--zone",
    "e1",
    "-v",
    "labvol:/data",
    IMAGE,
    "--",
    "sh",
    "-c",
    "echo from-e1 > /data/f; grep ' /data ' /proc/mounts",
  );
  assert.match(write.stdout, /^\/dev\/xvd[b-z] \/data ext4 rw/, write.stderr);
  // Its last user ended: the zone unmounted it and the host took the disk back.
  await until(
    "the volume's disk detached from e1",
    60,
    async () => (await loops()) === "" || undefined,
  );
  try {
    await timed(
      "zone launch --wait (second zone)",
      () => ok("zone", "launch", "-n", "v2", "--wait"),
    );
    const read = await protect(
      "workload",
      "launch",
      "--zone",
      "v2",
      "-v",
      "labvol:/data:ro",
      IMAGE,
      "--",
      "sh",
      "-c",
      "cat /data/f; touch /data/g 2>&1; true",
    );
    assert.match(read.stdout, /^from-e1\n.*Read-only file system/s, read.stderr);
  } finally {
    await protect("zone", "destroy", "v2", "--wait");
  }
  await ok("volume", "rm", "labvol");
  assert.equal(await loops(), "");
  assert.throws(() => Deno.statSync(file), Deno.errors.NotFound);
});

Deno.test("a workload the OOM killer ends in a Xen zone is OOMKilled, exit 137", opts, async () => {
  const r = await protect(
    "workload",
    "launch",
    "--zone",
    "e1",
    "-n",
    "hog",
    "-m",
    "16",
    IMAGE,
    "--",
    "sh",
    "-c",
    "a=$(head -c 67108864 /dev/zero | tr '\\0' x); echo ${#a}",
  );
  assert.equal(r.code, 137, r.stderr);
  assert.match(r.stderr, /workload hog was killed by the OOM killer/);
  const w = JSON.parse(await ok("workload", "get", "hog", "-o", "json"));
  assert.equal(w.status.reason, "OOMKilled");
});

Deno.test(
  "attach in a Xen zone: -i feeds stdin, -t -i gives a terminal; exit codes come back",
  opts,
  async () => {
    const piped = new Deno.Command("protect", {
      args: [
        "workload",
        "launch",
        "-i",
        "--zone",
        "e1",
        IMAGE,
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
    assert.equal(decoder.decode(out.stdout), "got hello\n", decoder.decode(out.stderr));
    assert.equal(out.code, 4);
    const tty = new Deno.Command("script", {
      args: [
        "-q",
        "-e",
        "-c",
        `stty rows 33 cols 77; protect workload launch -t -i --zone e1 ${IMAGE} -- sh`,
        "/dev/null",
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const keys = tty.stdin.getWriter();
    await new Promise((r) => setTimeout(r, 15_000)); // the launch, under TCG
    await keys.write(new TextEncoder().encode("[ -t 0 ] && echo IS-A-TTY; stty size; exit 6\r"));
    const done = await tty.output();
    const shown = decoder.decode(done.stdout);
    // A tty workload runs under runc (crun 1.8.1 sizes no foreground terminal): our size arrives.
    assert.match(shown, /IS-A-TTY\r*\n33 77\r*\n/, shown);
    assert.equal(done.code, 6, shown);
    await keys.close().catch(() => {});
  },
);

Deno.test("zone console is interactive: a shell on hvc0; Ctrl-] leaves", opts, async () => {
  const session = new Deno.Command("script", {
    args: ["-q", "-e", "-c", "protect zone console e1", "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const keys = session.stdin.getWriter();
  await new Promise((r) => setTimeout(r, 3_000));
  await keys.write(new TextEncoder().encode("echo CONSOLE-$((6*7)) $(hostname)\r"));
  await new Promise((r) => setTimeout(r, 5_000));
  await keys.write(new Uint8Array([0x1d]));
  const done = await session.output();
  const shown = decoder.decode(done.stdout);
  assert.match(shown, /CONSOLE-42 e1/, shown + decoder.decode(done.stderr));
  assert.match(shown, /console left/);
  assert.equal(done.code, 0);
  await keys.close().catch(() => {});
});
