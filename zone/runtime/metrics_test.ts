import assert from "node:assert/strict";
import { parseCpu, parseMeminfo } from "./metrics.ts";

Deno.test("meminfo and /proc/stat parsing", () => {
  assert.equal(
    parseMeminfo("MemTotal:       2048 kB\nMemAvailable:   1024 kB\n", "MemAvailable"),
    1048576n,
  );
  assert.equal(parseMeminfo("nothing", "MemTotal"), 0n);
  assert.deepEqual(parseCpu("cpu  10 0 5 80 5 0 0 0 0 0\ncpu0 1 2 3 4\n"), {
    busy: 15,
    total: 100,
  });
});
