import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ExecRequestSchema } from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { StreamingRequests, TOKEN_TTL_MS } from "./streaming_requests.ts";

Deno.test("streaming tokens are single-use and expire after a minute", () => {
  let now = 1000;
  const requests = new StreamingRequests(() => now);
  const exec = { kind: "exec" as const, workloadId: "w", request: create(ExecRequestSchema, {}) };
  const token = requests.add(exec);
  assert.match(token, /^[0-9a-f]{32}$/);
  assert.equal(requests.take(token), exec);
  assert.equal(requests.take(token), undefined, "spent");
  const late = requests.add(exec);
  now += TOKEN_TTL_MS;
  assert.equal(requests.take(late), undefined, "expired");
  assert.equal(requests.take("nope"), undefined);
});
