import assert from "node:assert/strict";
import { skipClearingNoTimer } from "./lazy_timers.ts";

Deno.test("clearTimeout of nothing does nothing; real timers still clear", async () => {
  const original = Object.getOwnPropertyDescriptor(globalThis, "clearTimeout")!;
  try {
    skipClearingNoTimer();
    clearTimeout(undefined);
    let fired = false;
    const id = setTimeout(() => fired = true, 10);
    clearTimeout(id);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(fired, false, "a cleared timer must not fire");
  } finally {
    Object.defineProperty(globalThis, "clearTimeout", original);
  }
});
