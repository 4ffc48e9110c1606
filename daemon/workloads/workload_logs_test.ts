import assert from "node:assert/strict";
import { concat } from "../../lib/bytes/mod.ts";
import { decodeRecords, encodeRecords, type LogChunk, WorkloadLogs } from "./workload_logs.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (chunks: LogChunk[], stream?: string) =>
  new TextDecoder().decode(
    concat(chunks.filter((c) => !stream || c.stream === stream).map((c) => c.data)),
  );

async function collect(it: AsyncIterable<LogChunk>): Promise<LogChunk[]> {
  const out = [];
  for await (const c of it) out.push(c);
  return out;
}

function withDir(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = Deno.makeTempDirSync({ prefix: "protect-logs-" });
    try {
      await fn(dir);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

Deno.test("log records: CRI format on disk, bytes back exactly (partial lines, empty lines, binary)", () => {
  const at = new Date("2026-12-04T10:00:00.123Z");
  const record = new TextDecoder().decode(
    encodeRecords({ stream: "stdout", data: bytes("one\n\ntwo") }, at),
  );
  assert.equal(
    record,
    "2026-12-04T10:00:00.123Z stdout F one\n2026-12-04T10:00:00.123Z stdout F \n" +
      "2026-12-04T10:00:00.123Z stdout P two\n",
  );
  const binary = new Uint8Array([0, 255, 10, 32, 32, 200]);
  const back = decodeRecords(concat([
    encodeRecords({ stream: "stdout", data: bytes("one\n\ntwo") }, at),
    encodeRecords({ stream: "stderr", data: binary }, at),
    bytes("garbage without fields\n"),
    encodeRecords({ stream: "stdout", data: bytes(" three\n") }, at),
  ]));
  assert.deepEqual(back.map((c) => c.stream), ["stdout", "stderr", "stdout"]);
  assert.equal(text(back.slice(0, 1)), "one\n\ntwo");
  assert.deepEqual(back[1].data, binary);
  assert.equal(text(back.slice(2)), " three\n");
});

Deno.test(
  "workload logs survive a restart (a new instance over the same dir) and rotate within their bound",
  withDir(async (dir) => {
    const logs = new WorkloadLogs(dir, 200);
    for (let i = 0; i < 20; i++) {
      logs.append("w1", { stream: i % 2 ? "stderr" : "stdout", data: bytes(`line ${i}\n`) });
    }
    logs.finish("w1");
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(files, ["w1.log", "w1.log.1"]);
    for (const f of files) assert.ok(Deno.statSync(`${dir}/${f}`).size <= 200, f);
    logs.close();

    const again = new WorkloadLogs(dir, 200);
    const kept = text(await collect(again.read("w1", false)));
    assert.match(kept, /line 19\n$/, "the newest output is kept");
    assert.doesNotMatch(kept, /^line 0\n/, "the oldest rotated away");
    const lines = kept.trim().split("\n");
    assert.deepEqual(lines, lines.slice().sort((a, b) => Number(a.slice(5)) - Number(b.slice(5))));
    again.forget("w1");
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.throws(() => again.path("../etc/passwd"), /not a workload ID/);
  }),
);

Deno.test(
  "following: replay, then live chunks, ended by finish; an unfollowed read ends at once",
  withDir(async (dir) => {
    const logs = new WorkloadLogs(dir);
    logs.append("w", { stream: "stdout", data: bytes("before\n") });
    const followed = collect(logs.read("w", true));
    logs.append("w", { stream: "stderr", data: bytes("after") });
    assert.equal(text(await collect(logs.read("w", false))), "before\nafter");
    logs.finish("w");
    const chunks = await followed;
    assert.equal(text(chunks, "stdout"), "before\n");
    assert.equal(text(chunks, "stderr"), "after");
    // An attach to a running workload: only what comes from now on.
    const late = new WorkloadLogs(dir);
    late.append("v", { stream: "stdout", data: bytes("history\n") });
    const fresh = collect(late.read("v", true, undefined, false));
    late.append("v", { stream: "stdout", data: bytes("new\n") });
    late.finish("v");
    assert.equal(text(await fresh), "new\n");
    late.close();
    // A finished log is not followed.
    assert.equal(text(await collect(logs.read("w", true))), "before\nafter");
    logs.close();
  }),
);
