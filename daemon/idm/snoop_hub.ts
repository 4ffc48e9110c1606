import { create, type DescMessage, fromBinary, toJson } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import {
  BootstrapSchema,
  DeviceAttachedSchema,
  DeviceDetachedSchema,
  DeviceSeenSchema,
  HelloSchema,
  type Packet,
  PacketKind,
  PingSchema,
  PongSchema,
  ReadySchema,
  WorkloadExitSchema,
  WorkloadOutputSchema,
  WorkloadStartSchema,
  WorkloadStopSchema,
  ZoneMemoryReportSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { type SnoopIdmResponse, SnoopIdmResponseSchema } from "../../proto/mod.ts";
import { ResourceExhaustedError } from "../../lib/errors/mod.ts";
import type { Direction } from "../../lib/idm/mod.ts";

/** Payload schemas by message type; requests and their responses share a type name. */
const SCHEMAS: Record<string, { request?: DescMessage; response?: DescMessage }> = {
  hello: { request: HelloSchema },
  bootstrap: { request: BootstrapSchema },
  ready: { request: ReadySchema },
  ping: { request: PingSchema, response: PongSchema },
  "workload.start": { request: WorkloadStartSchema },
  "workload.stop": { request: WorkloadStopSchema },
  "workload.output": { request: WorkloadOutputSchema },
  "workload.exit": { request: WorkloadExitSchema },
  "device.attached": { request: DeviceAttachedSchema, response: DeviceSeenSchema },
  "device.detached": { request: DeviceDetachedSchema },
  "zone.memory": { request: ZoneMemoryReportSchema },
};

/** Secrets never leave the daemon through snoop. */
const REDACT = new Set(["token", "randomSeed"]);

function decodePayload(packet: Packet): unknown {
  const schemas = SCHEMAS[packet.type];
  const schema = packet.kind === PacketKind.RESPONSE ? schemas?.response : schemas?.request;
  if (!schema || packet.payload.length === 0) {
    return packet.payload.length ? { bytes: packet.payload.length } : undefined;
  }
  try {
    const json = toJson(schema, fromBinary(schema, packet.payload)) as Record<string, unknown>;
    for (const key of Object.keys(json)) if (REDACT.has(key)) json[key] = "<redacted>";
    return json;
  } catch {
    return { undecodable: packet.payload.length };
  }
}

interface Subscriber {
  zoneId: string;
  types: Set<string>;
  queue: SnoopIdmResponse[];
  wake?: () => void;
  overflowed: boolean;
}

const QUEUE_LIMIT = 4096;

/**
 * The daemon's tee of IDM traffic for `protect host idm-snoop`: every packet
 * to and from every zone, decoded, filterable by zone and message type. A
 * subscriber that falls behind is disconnected with an error, never fed a
 * silently thinned stream.
 */
export class SnoopHub {
  #subscribers = new Set<Subscriber>();
  #closed = false;

  /** Called by the IDM endpoint for every packet. */
  tap(zoneId: string, direction: Direction, packet: Packet): void {
    if (this.#subscribers.size === 0) return;
    let message: SnoopIdmResponse | undefined;
    for (const s of this.#subscribers) {
      if (s.zoneId && s.zoneId !== zoneId) continue;
      if (s.types.size && !s.types.has(packet.type)) continue;
      message ??= create(SnoopIdmResponseSchema, {
        zoneId,
        direction: direction === "in"
          ? "zone->host"
          : direction === "out"
          ? "host->zone"
          : "zone->host denied",
        messageType: packet.type,
        at: timestampNow(),
        json: JSON.stringify({
          id: String(packet.id),
          channel: packet.channel,
          kind: PacketKind[packet.kind],
          type: packet.type,
          ...(packet.error ? { error: packet.error } : {}),
          ...(packet.credit ? { credit: packet.credit } : {}),
          payload: decodePayload(packet),
        }),
      });
      if (s.queue.length >= QUEUE_LIMIT) s.overflowed = true;
      else s.queue.push(message);
      s.wake?.();
    }
  }

  /** Ends every subscription (daemon shutdown). */
  close(): void {
    this.#closed = true;
    for (const s of this.#subscribers) s.wake?.();
  }

  async *subscribe(
    zoneId: string,
    types: string[],
    signal: AbortSignal,
  ): AsyncGenerator<SnoopIdmResponse> {
    const s: Subscriber = { zoneId, types: new Set(types), queue: [], overflowed: false };
    this.#subscribers.add(s);
    const onAbort = () => s.wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted && !this.#closed) {
        if (s.overflowed) {
          throw new ResourceExhaustedError(
            `idm-snoop fell ${QUEUE_LIMIT} packets behind; snoop again`,
          );
        }
        const next = s.queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((r) => s.wake = r);
        s.wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#subscribers.delete(s);
    }
  }
}
