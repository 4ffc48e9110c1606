import assert from "node:assert/strict";
import { SPDY3_DICTIONARY } from "./spdy_dictionary.ts";

Deno.test("the SPDY/3 dictionary is byte-exact", async () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", SPDY3_DICTIONARY));
  assert.equal(
    Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
    // The dictionary as the draft 3 spec and node-spdy's spdy-transport 3.0.0 give it.
    "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02",
  );
});
