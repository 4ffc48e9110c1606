/**
 * protect-orchestrator's metrics endpoint over a real daemon, each under its permission set:
 * the scrape passes promtool (Debian's prometheus package), `protect host metrics` prints the
 * same tree, and a stopped daemon shows as down instead of failing the scrape.
 */
import assert from "node:assert/strict";
import { runCli, startProgramProcess, tempRoot } from "./helpers/processes.ts";

async function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

/** Sample lines of `name` whose labels include every `label="value"` given. */
const samples = (text: string, name: string, ...labels: string[]) =>
  text.split("\n").filter((l) =>
    (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && labels.every((x) => l.includes(x))
  );

Deno.test("orchestrator /metrics: promtool accepts it; zones, host and RPC figures; the CLI shows the same tree", async () => {
  const root = tempRoot();
  const daemon = await startProgramProcess("daemon", root);
  const orchestrator = await startProgramProcess("orchestrator", root);
  try {
    const launched = await runCli(root, "zone", "launch", "-n", "m1", "--wait");
    assert.equal(launched.code, 0, launched.stderr);

    const scrape = await runCli(root, "host", "metrics");
    assert.equal(scrape.code, 0, scrape.stderr);
    const text = scrape.stdout;
    const check = await promtoolCheck(text);
    assert.equal(check.code, 0, `promtool check metrics:\n${check.output}\n${text}`);

    assert.deepEqual(samples(text, "protect_daemon_up", 'daemon="daemon"'), [
      'protect_daemon_up{daemon="daemon"} 1',
    ]);
    assert.deepEqual(samples(text, "protect_daemon_up", 'daemon="storage"'), [
      'protect_daemon_up{daemon="storage"} 0',
    ]);
    assert.equal(samples(text, "protect_zone_info", 'zone="m1"', 'state="ready"').length, 1);
    assert.match(samples(text, "protect_host_info")[0], /driver="fake"/);
    assert.equal(samples(text, "protect_zone_ready_timestamp_seconds", 'zone="m1"').length, 1);
    // The fake driver has no hypervisor: no made-up guest figures.
    assert.deepEqual(samples(text, "protect_zone_memory_current_bytes"), []);
    const created = samples(text, "protect_rpc_calls_total", "ControlService/CreateZone");
    assert.deepEqual(created.map((l) => l.split(" ")[1]), ["1"]);
    assert.equal(
      samples(text, "protect_rpc_duration_seconds_bucket", "CreateZone", 'le="+Inf"').length,
      1,
    );

    const json = await runCli(root, "host", "metrics", "-o", "json");
    assert.equal(json.code, 0, json.stderr);
    const { families } = JSON.parse(json.stdout);
    assert.deepEqual(
      families.map((f: { name: string }) => f.name),
      [
        ...new Set(
          text.split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]),
        ),
      ],
      "the same families, in the same order",
    );

    await daemon.stop();
    const down = await runCli(root, "host", "metrics");
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(samples(down.stdout, "protect_daemon_up", 'daemon="daemon"'), [
      'protect_daemon_up{daemon="daemon"} 0',
    ]);
    assert.deepEqual(samples(down.stdout, "protect_zone_info"), []);
    assert.equal((await promtoolCheck(down.stdout)).code, 0);
  } finally {
    await orchestrator.stop();
    await daemon.stop();
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("protect host metrics without an orchestrator says how to start one (exit 3)", async () => {
  const root = tempRoot();
  try {
    const r = await runCli(root, "host", "metrics");
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot reach protect-orchestrator: no socket at .*orchestrator\.sock/);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
