import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { PacketKind, PacketSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { leadingId, payloadAfterHead, streamDataHead } from "./stream_data_codec.ts";

const packet = (init: Parameters<typeof create<typeof PacketSchema>>[1]) =>
  toBinary(PacketSchema, create(PacketSchema, init));

Deno.test("the head plus a payload field is what protobuf-es encodes for a data packet", () => {
  for (const size of [0, 1, 127, 128, 65_536, 300_000]) {
    const payload = new Uint8Array(size).map((_, i) => i);
    const full = packet({ id: 300n, kind: PacketKind.STREAM_DATA, type: "workload.exec", payload });
    assert.equal(leadingId(full), 300);
    assert.deepEqual(payloadAfterHead(full, streamDataHead(300n, "workload.exec")), payload);
  }
});

Deno.test("any other shape goes to the full decoder", () => {
  const head = streamDataHead(7n, "bulk");
  const payload = new Uint8Array([1, 2, 3]);
  const other = [
    packet({ id: 7n, kind: PacketKind.STREAM_DATA, type: "other", payload }), // another type
    packet({ id: 9n, kind: PacketKind.STREAM_DATA, type: "bulk", payload }), // another stream
    packet({ id: 7n, kind: PacketKind.STREAM_CLOSE, type: "bulk" }),
    packet({ id: 7n, kind: PacketKind.STREAM_DATA, type: "bulk", payload, channel: 2 }),
    packet({ id: 7n, kind: PacketKind.STREAM_DATA, type: "bulk", payload, error: "x" }), // field after 5
  ];
  for (const bytes of other) assert.equal(payloadAfterHead(bytes, head), undefined);
  const good = packet({ id: 7n, kind: PacketKind.STREAM_DATA, type: "bulk", payload });
  assert.equal(payloadAfterHead(good.subarray(0, good.length - 1), head), undefined, "truncated");
  const longer = new Uint8Array([...good, 0]);
  assert.equal(payloadAfterHead(longer, head), undefined, "trailing byte");
  assert.equal(leadingId(new Uint8Array([0x08, 0xff])), undefined, "cut varint");
  const huge = toBinary(PacketSchema, create(PacketSchema, { id: 2n ** 60n }));
  assert.equal(leadingId(huge), undefined, "past 2^53: the full decoder's");
  assert.equal(leadingId(new Uint8Array([0x10, 0x01])), undefined, "not field 1");
});
