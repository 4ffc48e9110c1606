import assert from "node:assert/strict";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
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

Deno.test("workloads run in process-driver zones: output, exit codes, logs, PID 1, stop", async (t) => {
  const registry = await startRegistry();
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
  const daemon = await startProgramProcess("daemon-process", root);
  const storage = await startStorageProcess(root);
  const image = `${registry.host}/test/busybox:1`;
  try {
    await pushImage(registry.host, "test/busybox", "1", {
      layers: await busyboxLayers(),
      config: { Cmd: ["sh"], Env: ["PATH=/bin"] },
    });
    const launched = await runCli(root, "zone", "launch", "-n", "z", "--wait", "--timeout", "60");
    assert.equal(launched.code, 0, launched.stderr + daemon.logs());

    await t.step("launch prints the output and exits with the workload's code", async () => {
      const r = await runCli(
        root,
        "workload",
        "launch",
        "--zone",
        "z",
        "--name",
        "hello",
        image,
        "--",
        "sh",
        "-c",
        "echo hi; exit 3",
      );
      assert.equal(r.stdout, "hi\n", r.stderr);
      assert.equal(r.code, 3, r.stderr);
    });

    await t.step(
      "--image-format erofs: the image is packed as erofs and runs the same",
      async () => {
        const r = await runCli(
          root,
          "workload",
          "launch",
          "--zone",
          "z",
          "--rm",
          "--image-format",
          "erofs",
          image,
          "--",
          "sh",
          "-c",
          "echo from erofs",
        );
        assert.equal(r.stdout, "from erofs\n", r.stderr + daemon.logs());
        assert.equal(r.code, 0);
        const images = await cliJson(root, "image", "list");
        const formats = images.filter((i: { reference: string }) => i.reference === image)
          .map((i: { format: string }) => i.format).sort();
        assert.deepEqual(formats, ["IMAGE_FORMAT_EROFS", "IMAGE_FORMAT_SQUASHFS"]);
        const bad = await runCli(
          root,
          "workload",
          "launch",
          "--zone",
          "z",
          "--image-format",
          "ext4",
          image,
        );
        assert.equal(bad.code, 2, bad.stderr);
        assert.match(bad.stderr, /image-format/);
      },
    );

    await t.step("logs replay the output; get shows COMPLETED with the code", async () => {
      const logs = await runCli(root, "workload", "logs", "hello");
      assert.equal(logs.stdout, "hi\n");
      const w = await cliJson(root, "workload", "get", "hello");
      assert.equal(w.status.state, "WORKLOAD_STATE_COMPLETED");
      assert.equal(w.status.exitCode, 3);
      // The table names the zone; JSON keeps its ID.
      const table = (await runCli(root, "workload", "list")).stdout.split("\n");
      assert.match(table[0], /^NAME +ID +ZONE +IMAGE/);
      assert.match(table.find((l) => l.startsWith("hello "))!, /^hello +\S+ +z +/);
      assert.match(w.zoneId, /^[0-9a-f-]{36}$/);
    });

    await t.step("create without starting, then start attached", async () => {
      const created = await runCli(
        root,
        "workload",
        "launch",
        "--no-start",
        "--zone",
        "z",
        "--name",
        "later",
        image,
        "--",
        "sh",
        "-c",
        "echo later; exit 5",
      );
      assert.equal(created.code, 0, created.stderr);
      const before = JSON.parse(
        (await runCli(root, "workload", "get", "later", "-o", "json")).stdout,
      );
      assert.equal(before.status.state, "WORKLOAD_STATE_CREATED");
      const started = await runCli(root, "workload", "start", "-a", "later");
      assert.equal(started.stdout, "later\n");
      assert.equal(started.code, 5);
      const again = await runCli(root, "workload", "start", "later");
      assert.equal(again.code, 1);
      assert.match(again.stderr, /is COMPLETED, not CREATED/);
    });

    await t.step("the process is PID 1 of its namespace, with the zone's hostname", async () => {
      const r = await runCli(
        root,
        "workload",
        "launch",
        "--zone",
        "z",
        image,
        "--",
        "sh",
        "-c",
        "echo $$ $(hostname)",
      );
      assert.equal(r.stdout, "1 z\n", r.stderr);
      assert.equal(r.code, 0);
    });

    await t.step("zone exec runs in the zone itself: its hostname, its exit code", async () => {
      const r = await runCli(root, "zone", "exec", "z", "--", "hostname");
      assert.equal(r.stdout, "z\n", r.stderr);
      assert.equal(r.code, 0);
      // The process driver's agent may run only its own tools; the refusal is named.
      const refused = await runCli(root, "zone", "exec", "z", "--", "rm", "-rf", "/tmp/x");
      assert.equal(refused.code, 125);
      assert.match(refused.stderr, /cannot start rm/);
    });

    await t.step("stop: SIGTERM, then SIGKILL after the grace period", async () => {
      const r = await runCli(
        root,
        "workload",
        "launch",
        "-d",
        "--zone",
        "z",
        "--name",
        "sleeper",
        image,
        "--",
        "busybox",
        "sleep",
        "1000",
      );
      assert.equal(r.code, 0, r.stderr);
      const stop = await runCli(root, "workload", "stop", "sleeper", "--time", "1");
      assert.equal(stop.code, 0, stop.stderr);
      const w = await cliJson(root, "workload", "get", "sleeper");
      assert.equal(w.status.state, "WORKLOAD_STATE_COMPLETED");
      assert.equal(w.status.exitCode, 137);
    });

    await t.step("a command that does not exist reports the failure", async () => {
      const r = await runCli(
        root,
        "workload",
        "launch",
        "--zone",
        "z",
        image,
        "--",
        "/no/such/binary",
      );
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /no such file|not found/i);
    });

    await t.step("workloads need a READY zone", async () => {
      const r = await runCli(root, "workload", "launch", "--zone", "nosuch", image, "--", "true");
      assert.equal(r.code, 125, "as docker run: the workload never ran");
      assert.equal(r.stderr.trim(), 'protect: no zone named "nosuch"');
    });

    await t.step("idm-snoop shows the traffic, decoded, secrets redacted", async () => {
      const { promise: got, resolve } = Promise.withResolvers<string>();
      const snoop = new Deno.Command(Deno.execPath(), {
        args: [
          ...denoRunArgs("cli", "protect/main.ts", root),
          "--root",
          root,
          "host",
          "idm-snoop",
          "-o",
          "jsonl",
        ],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      (async () => {
        let text = "";
        for await (const chunk of snoop.stdout.pipeThrough(new TextDecoderStream())) {
          text += chunk;
          if (text.includes("workload.exit")) resolve(text);
        }
      })();
      await new Promise((r) => setTimeout(r, 500));
      await runCli(
        root,
        "workload",
        "launch",
        "--zone",
        "z",
        image,
        "--",
        "sh",
        "-c",
        "echo snooped",
      );
      const text = await got;
      snoop.kill();
      await snoop.status;
      const lines = text.trim().split("\n").map((l) => JSON.parse(l));
      const start = lines.find((l) =>
        l.packet.type === "workload.start" && l.packet.kind === "REQUEST"
      );
      assert.equal(start.direction, "host->zone");
      assert.deepEqual(start.packet.payload.args, ["sh", "-c", "echo snooped"]);
      const output = lines.find((l) => l.packet.type === "workload.output");
      assert.equal(output.direction, "zone->host");
      assert.equal(atob(output.packet.payload.stdout), "snooped\n");
    });

    await t.step("destroying the zone removes its workloads", async () => {
      assert.equal((await runCli(root, "zone", "destroy", "z", "--wait")).code, 0);
      assert.deepEqual(
        await cliJson(root, "workload", "list"),
        [],
      );
    });
  } finally {
    await storage.stop();
    await daemon.stop();
    await registry.stop();
  }
});
