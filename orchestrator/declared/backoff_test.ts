import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";

Deno.test("Backoff: 1, 2, 4 … s between restarts, capped; a calm minute starts again", () => {
  const b = new Backoff(1_000, 8_000, 60_000);
  assert.equal(b.waitMs("web", 0), 0);
  assert.equal(b.record("web", 0), 1);
  assert.equal(b.waitMs("web", 500), 500);
  assert.equal(b.record("web", 1_000), 2);
  assert.equal(b.waitMs("web", 1_000), 2_000);
  b.record("web", 3_000);
  b.record("web", 7_000);
  b.record("web", 15_000);
  assert.equal(b.waitMs("web", 15_000), 8_000, "capped");
  b.calm("web", 30_000);
  assert.equal(b.waitMs("web", 30_000), 0, "waited long enough");
  assert.equal(b.record("web", 30_000), 6, "still counting: not calm for a minute");
  b.calm("web", 90_000);
  assert.equal(b.record("web", 90_000), 1, "a calm minute: from the start");
});
