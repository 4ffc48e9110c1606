import assert from "node:assert/strict";
import { join } from "node:path";
import { tailLines } from "./tail_lines.ts";

Deno.test("tailLines hands over complete new lines only, in order, until aborted", async () => {
  const dir = Deno.makeTempDirSync();
  const path = join(dir, "libxl.log");
  const lines: string[] = [];
  const stop = new AbortController();
  tailLines(path, stop.signal, (l) => lines.push(l), 20);
  try {
    await new Promise((r) => setTimeout(r, 50)); // file not there yet: no error
    Deno.writeTextFileSync(path, "libxl: error: one\nlibxl: err");
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(lines, ["libxl: error: one"]);
    Deno.writeTextFileSync(path, "or: two\n\n", { append: true });
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(lines, ["libxl: error: one", "libxl: error: two"]);
  } finally {
    stop.abort();
    Deno.removeSync(dir, { recursive: true });
  }
});
