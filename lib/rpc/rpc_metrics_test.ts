import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { ControlService, GetHostStatusResponseSchema } from "../../proto/mod.ts";
import { NotFoundError } from "../errors/mod.ts";
import { createInMemoryTransport } from "./transports.ts";
import { errorInterceptor } from "./error_interceptor.ts";
import { LATENCY_BOUNDS_SECONDS, RpcMetrics } from "./rpc_metrics.ts";

Deno.test("RpcMetrics: buckets by bound, cumulative in the snapshot, over the last bound only in calls", () => {
  const m = new RpcMetrics();
  m.observe("s/A", 0.0005, true);
  m.observe("s/A", 0.2, false);
  m.observe("s/A", 99, true);
  m.observe("s/B", 0.001, true);
  const [a, b] = m.snapshot();
  assert.equal(a.method, "s/A");
  assert.equal(a.calls, 3);
  assert.equal(a.errors, 1);
  assert.equal(a.cumulative[0], 1);
  assert.equal(a.cumulative[LATENCY_BOUNDS_SECONDS.indexOf(0.5)], 2);
  assert.equal(a.cumulative.at(-1), 2, "99 s is over the last bound");
  assert.ok(Math.abs(a.sumSeconds - 99.2005) < 1e-9);
  assert.equal(b.cumulative[0], 1, "a bound is inclusive");
});

Deno.test("RpcMetrics.interceptor counts calls and errors per method", async () => {
  const metrics = new RpcMetrics();
  let fail = false;
  const transport = createInMemoryTransport(
    (router) =>
      router.service(ControlService, {
        getHostStatus() {
          if (fail) throw new NotFoundError("nothing here");
          return create(GetHostStatusResponseSchema, {});
        },
      }),
    { interceptors: [metrics.interceptor(), errorInterceptor()] },
  );
  const client = createClient(ControlService, transport);
  await client.getHostStatus({});
  fail = true;
  await assert.rejects(client.getHostStatus({}));
  const [only] = metrics.snapshot();
  assert.equal(only.method, "protect.control.v1.ControlService/GetHostStatus");
  assert.equal(only.calls, 2);
  assert.equal(only.errors, 1);
});
