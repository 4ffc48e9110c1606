import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { HelloSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { IdmPeer, transportPair } from "../../lib/idm/mod.ts";
import { createLogger } from "../../lib/log/mod.ts";
import { gateOnHello } from "./hello_gate.ts";

function setup(accept: (zoneId: string) => boolean, timeoutMs = 1000) {
  const lines: string[] = [];
  const log = createLogger("test", { sink: (l) => lines.push(l) });
  const [a, b] = transportPair();
  const host = new IdmPeer(a, { log, role: "host" });
  const zone = new IdmPeer(b, { log, role: "zone" });
  const accepted: string[] = [];
  gateOnHello(host, {
    log,
    timeoutMs,
    accept: (hello) => accept(hello.zoneId) && (accepted.push(hello.zoneId), true),
  });
  const hello = (zoneId: string) =>
    zone.sendEvent("hello", toBinary(HelloSchema, create(HelloSchema, { zoneId })));
  return { host, zone, hello, accepted, lines };
}

Deno.test("an accepted hello hands over the channel; a refused one closes it", async () => {
  const ok = setup((id) => id === "z1");
  await ok.hello("z1");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(ok.accepted, ["z1"]);
  ok.host.close();
  await ok.host.done;

  const refused = setup(() => false);
  await refused.hello("z2");
  await refused.host.done; // closed by the gate
  assert.deepEqual(refused.accepted, []);
});

Deno.test("no hello within the timeout closes the channel and says why", async () => {
  const silent = setup(() => true, 20);
  await silent.host.done;
  assert.match(silent.lines.join("\n"), /never said hello; dropped/);
});
