import assert from "node:assert/strict";
import { runTool, ToolError } from "./mod.ts";

Deno.test("runTool: feeds stdin, returns stdout", async () => {
  assert.equal(await runTool("cat", [], "hello"), "hello");
  assert.equal(await runTool("cat", [], new Uint8Array([104, 105])), "hi");
});

Deno.test("runTool: a failure names the command and keeps its stderr", async () => {
  const error = await runTool("sh", ["-c", "echo one >&2; echo two >&2; exit 3"]).catch((e) => e);
  assert.ok(error instanceof ToolError);
  assert.match(error.message, /^sh -c .* failed \(exit 3\): one \| two$/);
  assert.equal(error.stderr, "one\ntwo\n");
});

Deno.test("runTool: a missing tool says it is not installed", async () => {
  await assert.rejects(runTool("protect-no-such-tool", []), /is not installed/);
});
