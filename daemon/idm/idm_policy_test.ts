import assert from "node:assert/strict";
import { createLogger } from "../../lib/log/mod.ts";
import { IdmPeer, transportPair } from "../../lib/idm/mod.ts";
import type { Packet } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { AGENT_MESSAGES, DEFAULT_IDM_POLICY, IdmPolicy, idmPolicyProblem } from "./idm_policy.ts";

Deno.test("IdmPolicy: rules by zone name and annotation, deny wins, in order", () => {
  const policy = new IdmPolicy({
    allow: [...AGENT_MESSAGES],
    rules: [
      { annotation: { key: "tier", value: "untrusted" }, allow: [], deny: ["zone.memory"] },
      { zone: "probe", allow: ["debug.dump"], deny: [] },
    ],
  }, createLogger("test", { level: "error", sink: () => {} }));
  assert.deepEqual([...policy.allowedFor("web", {})].sort(), [...AGENT_MESSAGES].sort());
  assert.equal(policy.allowedFor("web", { tier: "untrusted" }).has("zone.memory"), false);
  assert.equal(policy.allowedFor("probe", {}).has("debug.dump"), true);
  assert.match(
    idmPolicyProblem({ allow: ["ready"], rules: [{ zone: "x", allow: [], deny: ["ready"] }] })!,
    /idm\.rules\[0\]\.deny: "ready" is how a zone reports it booted/,
  );
  assert.match(idmPolicyProblem({ allow: [], rules: [] })!, /idm\.allow: must include "ready"/);
});

Deno.test("a hostile zone sending every message type: only the allowed reach the host; the rest are counted, logged, tapped", async () => {
  const logs: string[] = [];
  const log = createLogger("test", { level: "warn", sink: (l) => logs.push(l) });
  const [hostEnd, zoneEnd] = transportPair();
  const host = new IdmPeer(hostEnd, { log, role: "host" });
  const zone = new IdmPeer(zoneEnd, { log, role: "zone" });
  const policy = new IdmPolicy(DEFAULT_IDM_POLICY, log);
  const tapped: Packet[] = [];
  policy.guard({ id: "z1", name: "evil", annotations: {} }, host, (p) => tapped.push(p));
  const heard: string[] = [];
  for (const type of [...AGENT_MESSAGES, "hello", "device.request", "workload.start"]) {
    host.onEvent(type, () => heard.push(type));
  }
  host.onRequest("bootstrap", () => new Uint8Array());
  try {
    const types = [...AGENT_MESSAGES, "hello", "device.request", "workload.start"];
    for (let i = 0; i < 3; i++) {
      for (const type of types) await zone.sendEvent(type, new Uint8Array([1]));
    }
    // A request the policy denies is answered at once with the reason, not left to time out.
    await assert.rejects(
      zone.request("bootstrap", new Uint8Array(), 5_000),
      /bootstrap is denied by the host's IDM policy/,
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      [...new Set(heard)].sort(),
      [...AGENT_MESSAGES].sort(),
      "only the agent's own messages are heard",
    );
    assert.equal(host.stats.packetsDenied, 3 * 3 + 1);
    assert.deepEqual(policy.denied("z1"), {
      "hello": 3n,
      "device.request": 3n,
      "workload.start": 3n,
      "bootstrap": 1n,
    });
    assert.equal(tapped.length, 10, "each denial is shown by idm-snoop");
    // Logged on the 1st of each type (and the 10th, 100th …), not per message.
    assert.equal(logs.filter((l) => l.includes("IDM message denied by policy")).length, 4);
  } finally {
    host.close();
    zone.close();
  }
});
