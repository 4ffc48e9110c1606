/**
 * The hot path of an IDM stream: STREAM_DATA packets, without protobuf-es's
 * reflection per packet (which cost more than the socket did). The sender
 * encodes a stream's packet head once (`streamDataHead`) and frames each payload
 * after it; the receiver, which knows the same head for each open stream,
 * recognises exactly that encoding (`payloadAfterHead`) and sends anything else,
 * however valid, through the full decoder, so the shortcut never changes what a
 * packet means.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { PacketKind, PacketSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";

/** Packet fields 1 (id), 3 (kind = STREAM_DATA), 4 (type), as protobuf-es writes them. */
export function streamDataHead(id: bigint, type: string): Uint8Array {
  return toBinary(PacketSchema, create(PacketSchema, { id, kind: PacketKind.STREAM_DATA, type }));
}

const TAG_ID = 0x08; // field 1, varint
const TAG_PAYLOAD = 0x2a; // field 5, length-delimited

/** Reads a varint below 2^53 at `at`; [value, next offset], or undefined. */
function varint(bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  for (let shift = 1; at < bytes.length && shift < 2 ** 53; shift *= 128) {
    const b = bytes[at++];
    value += (b & 0x7f) * shift;
    if (b < 0x80) return [value, at];
  }
  return undefined;
}

/** The packet's ID (below 2^53) if it starts with field 1, the way every stream packet does. */
export function leadingId(bytes: Uint8Array): number | undefined {
  if (bytes[0] !== TAG_ID) return undefined;
  const id = varint(bytes, 1)?.[0];
  return id !== undefined && Number.isSafeInteger(id) ? id : undefined;
}

/**
 * The payload of `bytes` if it is exactly `head` (a streamDataHead) followed by
 * the payload field running to the end; undefined for any other shape.
 */
export function payloadAfterHead(bytes: Uint8Array, head: Uint8Array): Uint8Array | undefined {
  if (bytes.length < head.length) return undefined;
  for (let i = 0; i < head.length; i++) if (bytes[i] !== head[i]) return undefined;
  if (bytes.length === head.length) return bytes.subarray(head.length); // empty payload
  if (bytes[head.length] !== TAG_PAYLOAD) return undefined;
  const length = varint(bytes, head.length + 1);
  if (!length || length[1] + length[0] !== bytes.length) return undefined;
  return bytes.subarray(length[1]);
}
