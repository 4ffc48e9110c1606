import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { createHarness } from "../testing/harness.ts";

Deno.test("RecordPolicyDecision: published to watchers with the daemon's time; bad ones refused", async () => {
  const h = createHarness();
  const stop = new AbortController();
  try {
    const watching = (async () => {
      for await (const { event } of h.client.watchEvents({}, { signal: stop.signal })) {
        if (event.case === "policyDecision") return event.value;
      }
    })();
    await new Promise((r) => setTimeout(r, 10));
    await h.client.recordPolicyDecision({
      decision: { source: "orchestrator", zone: "web", action: "restart-zone", reason: "FAILED" },
    });
    const d = (await watching)!;
    assert.equal(d.zone, "web");
    assert.equal(d.action, "restart-zone");
    assert.ok(d.at, "stamped by the daemon");
    const refused = async (decision: Record<string, unknown>, field: RegExp) => {
      const e = await h.client.recordPolicyDecision({ decision }).catch((e) => e);
      assert.equal(e.code, Code.InvalidArgument);
      assert.match(e.rawMessage, field);
    };
    await refused(
      { source: "o", zone: "w", action: "a", reason: "" },
      /decision\.reason: is required/,
    );
    await refused(
      { source: "o", zone: "w", action: "a", reason: "x".repeat(2000) },
      /decision\.reason: must be at most 1024/,
    );
    await refused(
      { source: "o", zone: "w", action: "a", reason: "r", at: timestampNow() },
      /decision\.at: is set by the daemon/,
    );
  } finally {
    stop.abort();
    await h.close();
  }
});
