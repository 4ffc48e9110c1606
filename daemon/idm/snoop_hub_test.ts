import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  BootstrapSchema,
  HelloSchema,
  PacketKind,
  PacketSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { SnoopHub } from "./snoop_hub.ts";

Deno.test("snoop decodes payloads, redacts secrets, filters by zone and type", async () => {
  const hub = new SnoopHub();
  const abort = new AbortController();
  const stream = hub.subscribe("z1", ["hello", "bootstrap"], abort.signal);
  const first = stream.next();
  hub.tap("z2", "in", create(PacketSchema, { kind: PacketKind.EVENT, type: "hello" })); // other zone
  hub.tap("z1", "in", create(PacketSchema, { kind: PacketKind.EVENT, type: "ping" })); // other type
  hub.tap(
    "z1",
    "in",
    create(PacketSchema, {
      kind: PacketKind.EVENT,
      type: "hello",
      payload: toBinary(HelloSchema, create(HelloSchema, { zoneId: "z1", token: "s3cret" })),
    }),
  );
  hub.tap(
    "z1",
    "out",
    create(PacketSchema, {
      kind: PacketKind.REQUEST,
      type: "bootstrap",
      payload: toBinary(
        BootstrapSchema,
        create(BootstrapSchema, { hostname: "h", randomSeed: new Uint8Array(32) }),
      ),
    }),
  );
  const hello = (await first).value!;
  assert.equal(hello.direction, "zone->host");
  assert.deepEqual(JSON.parse(hello.json).payload, { zoneId: "z1", token: "<redacted>" });
  const boot = JSON.parse((await stream.next()).value!.json);
  assert.equal(boot.payload.randomSeed, "<redacted>");
  assert.equal(boot.payload.hostname, "h");
  abort.abort();
  assert.equal((await stream.next()).done, true);
});
