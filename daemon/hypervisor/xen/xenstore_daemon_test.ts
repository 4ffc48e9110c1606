import assert from "node:assert/strict";
import { xenstoreDaemon } from "./xenstore_daemon.ts";

function procTree(processes: Record<string, string>): string {
  const proc = Deno.makeTempDirSync();
  Deno.mkdirSync(`${proc}/self`);
  for (const [pid, comm] of Object.entries(processes)) {
    Deno.mkdirSync(`${proc}/${pid}`);
    Deno.writeTextFileSync(`${proc}/${pid}/comm`, `${comm}\n`);
  }
  return proc;
}

Deno.test("the xenstore daemon is found by process name", () => {
  assert.equal(xenstoreDaemon(procTree({ "1": "init", "212": "oxenstored" })), "oxenstored");
  assert.equal(xenstoreDaemon(procTree({ "1": "init", "97": "xenstored" })), "xenstored");
  assert.equal(xenstoreDaemon(procTree({ "1": "init", "5": "xenstored-helper" })), "unknown");
  assert.equal(xenstoreDaemon("/nonexistent"), "unknown");
});
