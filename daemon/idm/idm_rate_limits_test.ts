import assert from "node:assert/strict";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createLogger } from "../../lib/log/mod.ts";
import { connTransport, IdmPeer } from "../../lib/idm/mod.ts";
import {
  type Packet,
  PacketSchema,
  WorkloadOutputSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";

import { costOf, DEFAULT_IDM_LIMITS, IdmRateLimits } from "./idm_rate_limits.ts";

const event = (type: string, bytes = 1): Packet =>
  create(PacketSchema, { type, payload: new Uint8Array(bytes) });

Deno.test("costOf: output counts its bytes as logs, memory reports as metrics, the rest as events", () => {
  assert.deepEqual(costOf(event("workload.output", 300)), { kind: "logs", amount: 300 });
  assert.deepEqual(costOf(event("zone.memory")), { kind: "metrics", amount: 1 });
  assert.deepEqual(costOf(event("workload.exit")), { kind: "events", amount: 1 });
  assert.deepEqual(costOf(event("made.up")), { kind: "events", amount: 1 });
});

Deno.test("IdmRateLimits: the burst passes, then each message waits its share of the rate; idle time refills", () => {
  let now = 0;
  const lines: string[] = [];
  const limits = new IdmRateLimits(
    { ...DEFAULT_IDM_LIMITS, events: { perSecond: 10, burst: 5 } },
    createLogger("t", { level: "warn", sink: (l) => lines.push(l) }),
    () => now,
  );
  const peer = {} as IdmPeer;
  limits.guard({ id: "z1", name: "noisy" }, peer);
  const waits = Array.from({ length: 7 }, () => peer.pace!(event("workload.exit")));
  assert.deepEqual(waits, [0, 0, 0, 0, 0, 100, 200], "5 in the burst, then 100 ms of debt each");
  assert.deepEqual(limits.throttledSeconds("z1"), { events: 0.3 });
  assert.equal(lines.length, 1, "logged once, not per message");
  assert.match(lines[0], /zone throttled.*zone=noisy.*kind=events/);
  // Other kinds have their own budget.
  assert.equal(peer.pace!(event("zone.memory")), 0);
  // One second idle pays the 200 ms debt and refills 5 tokens (capped at the burst).
  now = 1000;
  assert.equal(peer.pace!(event("workload.exit")), 0);
  limits.forget("z1");
  assert.deepEqual(limits.throttledSeconds("z1"), {});
});

Deno.test("a zone flooding output over a socket is slowed to its limit and loses nothing", async () => {
  const path = join(Deno.makeTempDirSync(), "idm.sock");
  const listener = Deno.listen({ transport: "unix", path });
  const [zoneConn, hostConn] = await Promise.all([
    Deno.connect({ transport: "unix", path }),
    listener.accept(),
  ]);
  const lines: string[] = [];
  const log = createLogger("t", { level: "warn", sink: (l) => lines.push(l) });
  const host = new IdmPeer(connTransport(hostConn), { log, role: "host" });
  const zone = new IdmPeer(connTransport(zoneConn), { log, role: "zone" });
  // 2 MiB/s after a 128 KiB burst: 1 MiB takes at least (1024 - 128) / 2048 s ≈ 0.44 s.
  const limits = new IdmRateLimits(
    { ...DEFAULT_IDM_LIMITS, logs: { perSecond: 2 << 20, burst: 128 << 10 } },
    log,
  );
  limits.guard({ id: "z1", name: "flood" }, host);
  const got: number[] = [];
  host.onEvent("workload.output", (payload) => {
    got.push(fromBinary(WorkloadOutputSchema, payload).stdout[0]);
  });
  try {
    const started = performance.now();
    for (let i = 0; i < 16; i++) {
      const stdout = new Uint8Array(64 << 10).fill(i);
      await zone.sendEvent(
        "workload.output",
        toBinary(WorkloadOutputSchema, create(WorkloadOutputSchema, { workloadId: "w", stdout })),
      );
    }
    while (got.length < 16 && performance.now() - started < 5000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const took = performance.now() - started;
    assert.deepEqual(got, Array.from({ length: 16 }, (_, i) => i), "every chunk, in order");
    assert.ok(took >= 350, `1 MiB at 2 MiB/s after a 128 KiB burst took ${took.toFixed(0)} ms`);
    assert.ok(limits.throttledSeconds("z1").logs! >= 0.4);
    assert.ok(lines.some((l) => /zone throttled.*kind=logs/.test(l)), lines.join("\n"));
  } finally {
    host.close();
    zone.close();
    await Promise.all([host.done, zone.done]);
    listener.close();
  }
});
