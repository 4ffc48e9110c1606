import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  toConnectError,
  UnimplementedError,
} from "./mod.ts";

Deno.test("typed errors map to their Connect codes", () => {
  assert.equal(toConnectError(new NotFoundError("zone x not found")).code, Code.NotFound);
  assert.equal(toConnectError(new AlreadyExistsError("a")).code, Code.AlreadyExists);
  assert.equal(toConnectError(new FailedPreconditionError("a")).code, Code.FailedPrecondition);
  assert.equal(toConnectError(new UnimplementedError("a")).code, Code.Unimplemented);
});

Deno.test("invalid argument names the field and the reason", () => {
  const e = toConnectError(new InvalidArgumentError("spec.name", "must not be empty"));
  assert.equal(e.code, Code.InvalidArgument);
  assert.equal(e.rawMessage, "invalid spec.name: must not be empty");
});

Deno.test("unknown errors become Internal, never Unknown", () => {
  assert.equal(toConnectError(new Error("boom")).code, Code.Internal);
  assert.equal(toConnectError("text").code, Code.Internal);
});

Deno.test("a ConnectError passes through unchanged", () => {
  const original = new ConnectError("x", Code.Aborted);
  assert.equal(toConnectError(original), original);
});
