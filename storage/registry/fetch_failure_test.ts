import assert from "node:assert/strict";
import { describeFetchFailure } from "./registry_client.ts";
import { freePort } from "../../tests/helpers/registry.ts";

Deno.test("an unreachable registry is named by cause: refused, DNS, TLS, timeout", async () => {
  const refused = await fetch(`http://127.0.0.1:${freePort()}/v2/`).catch((e) => e);
  assert.match(describeFetchFailure(refused), /^connection refused \(/);
  const dns = await fetch("http://no-such-host.invalid/v2/").catch((e) => e);
  assert.match(describeFetchFailure(dns), /^DNS lookup failed \(/);
  const tls = new Error("error sending request", {
    cause: new Error("invalid peer certificate: UnknownIssuer"),
  });
  assert.match(describeFetchFailure(tls), /^TLS failed \(error sending request: invalid peer/);
  const late = new DOMException("Signal timed out.", "TimeoutError");
  assert.match(describeFetchFailure(late), /^timed out/);
  assert.equal(describeFetchFailure(new Error("other")), "other");
});
