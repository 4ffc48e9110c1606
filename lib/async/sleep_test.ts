import assert from "node:assert/strict";
import { sleep } from "./sleep.ts";

Deno.test("sleep ends early when its signal aborts", async () => {
  const abort = new AbortController();
  const started = performance.now();
  setTimeout(() => abort.abort(), 20);
  await sleep(5_000, abort.signal);
  assert.ok(performance.now() - started < 1_000);
  await sleep(5_000, abort.signal); // already aborted: at once
  const t = performance.now();
  await sleep(30);
  assert.ok(performance.now() - t >= 25);
});
