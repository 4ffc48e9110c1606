import assert from "node:assert/strict";
import { cliJson, runCli, startDaemonProcess, tempRoot } from "./helpers/processes.ts";

Deno.test("CLI drives a zone through launch, list and destroy over the real socket", async (t) => {
  const root = tempRoot();
  const daemon = await startDaemonProcess(root);
  try {
    await t.step("launch --wait reports READY and warns that the driver is fake", async () => {
      const r = await runCli(root, "zone", "launch", "-n", "a", "--wait");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^zone a READY \(/);
      assert.match(r.stderr, /fake hypervisor driver/);
    });

    await t.step("list -o json shows zone a READY on the fake driver", async () => {
      const r = await runCli(root, "zone", "list", "-o", "json");
      assert.equal(r.code, 0, r.stderr);
      const zones = JSON.parse(r.stdout);
      assert.equal(zones.length, 1);
      assert.equal(zones[0].spec.name, "a");
      assert.equal(zones[0].status.state, "ZONE_STATE_READY");
      assert.equal(zones[0].status.driver, "fake");
      assert.ok(zones[0].status.readyAt);
    });

    await t.step("table, yaml and jsonl outputs", async () => {
      const table = await runCli(root, "zone", "list");
      assert.match(table.stdout, /^NAME\s+ID\s+STATE\s+DRIVER/);
      assert.match(table.stdout, /\na\s+\S+\s+READY\s+fake/);
      const yaml = await runCli(root, "zone", "get", "a", "-o", "yaml");
      assert.match(yaml.stdout, /state: ZONE_STATE_READY/);
      const jsonl = await runCli(root, "zone", "list", "-o", "jsonl");
      assert.equal(JSON.parse(jsonl.stdout.trim()).spec.name, "a");
    });

    await t.step("get accepts the ID as well as the name", async () => {
      const id = (await cliJson(root, "zone", "get", "a")).id;
      const r = await runCli(root, "zone", "get", id, "-o", "json");
      assert.equal(JSON.parse(r.stdout).spec.name, "a");
    });

    await t.step("a second zone with the same name is refused", async () => {
      const r = await runCli(root, "zone", "launch", "-n", "a");
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), 'protect: a zone named "a" already exists');
    });

    await t.step("invalid names give one line and a non-zero exit", async () => {
      const r = await runCli(root, "zone", "launch", "-n", "Not_A_Label");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^protect: invalid spec\.name: "Not_A_Label" is not a DNS label/);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    });

    await t.step("unknown zones give one line and a non-zero exit", async () => {
      for (const verb of ["get", "destroy"]) {
        const r = await runCli(root, "zone", verb, "nosuch");
        assert.equal(r.code, 1);
        assert.equal(r.stderr.trim(), 'protect: no zone named "nosuch"');
      }
    });

    await t.step("destroy --wait removes the zone", async () => {
      const r = await runCli(root, "zone", "destroy", "a", "--wait");
      assert.equal(r.code, 0, r.stderr);
      const list = await runCli(root, "zone", "list", "-o", "json");
      assert.deepEqual(JSON.parse(list.stdout), []);
    });

    await t.step("a failing launch exits 1 with the recorded reason", async () => {
      const r = await runCli(
        root,
        "zone",
        "launch",
        "-n",
        "broken",
        "--annotation",
        "protect.dev/fake-fail=boot",
        "--wait",
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, /zone broken FAILED: waiting for the zone to be ready failed: .*boot/);
      const get = await cliJson(root, "zone", "get", "broken");
      assert.equal(get.status.state, "ZONE_STATE_FAILED");
      assert.match(get.status.error, /injected boot failure/);
    });

    await t.step("host status says zones are not isolated with this driver", async () => {
      const r = await runCli(root, "host", "status");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /driver\s+fake/);
      assert.match(r.stdout, /hardware isolation\s+NO/);
    });

    await t.step(
      "workload list is empty; workload get of an unknown name fails cleanly",
      async () => {
        assert.equal((await runCli(root, "workload", "list", "-o", "json")).stdout.trim(), "[]");
        const r = await runCli(root, "workload", "get", "nosuch");
        assert.equal(r.code, 1);
        assert.equal(r.stderr.trim(), 'protect: no workload named "nosuch"');
      },
    );
  } finally {
    const status = await daemon.stop();
    assert.equal(status.code, 0, daemon.logs());
  }
});

Deno.test("CLI reports a missing daemon with exit code 3", async () => {
  const r = await runCli(tempRoot(), "zone", "list");
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^protect: cannot reach protect-daemon: no socket at /);
});

Deno.test("CLI usage errors exit 2; --help works on every command", async () => {
  assert.equal((await runCli(tempRoot(), "zone", "frobnicate")).code, 2);
  assert.equal((await runCli(tempRoot(), "zone", "list", "-o", "xml")).code, 2);
  for (
    const path of [[], ["zone"], ["zone", "launch"], ["zone", "destroy"], ["workload", "get"], [
      "host",
      "status",
    ]]
  ) {
    const r = await runCli(tempRoot(), ...path, "--help");
    assert.equal(r.code, 0, path.join(" "));
    assert.match(r.stdout, /Usage: protect/);
  }
});

Deno.test("completion prints a bash script that knows the subcommands", async () => {
  const r = await runCli(tempRoot(), "completion", "bash");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /complete -F _protect_complete protect/);
  const zoneWords = /\["zone"\]="([^"]*)"/.exec(r.stdout)?.[1].split(" ") ?? [];
  for (const verb of ["launch", "list", "get", "destroy", "logs", "metrics", "watch"]) {
    assert.ok(zoneWords.includes(verb), verb);
  }
});
