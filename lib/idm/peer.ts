import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Packet, PacketKind, PacketSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { DeadlineExceededError, ResourceExhaustedError, UnavailableError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { DEFAULT_MAX_FRAME_BYTES, VERSION } from "./frame.ts";
import { FrameDecoder } from "./frame_decoder.ts";
import { FrameWriter } from "./frame_writer.ts";
import { IdmStream } from "./stream.ts";
import { leadingId, payloadAfterHead, streamDataHead } from "./stream_data_codec.ts";
import type { IdmTransport } from "./transport.ts";

const EMPTY = new Uint8Array();
const MAX_SAFE_ID = BigInt(Number.MAX_SAFE_INTEGER);
/** How long close() lets queued frames drain before it closes the transport anyway. */
const CLOSE_FLUSH_MS = 1000;

/** "denied": a packet from the other side that this side's policy dropped (idm-snoop). */
export type Direction = "in" | "out" | "denied";

/** A data packet as the tap and the logs show it (built only for them). */
function dataPacket(stream: IdmStream, payload: Uint8Array): Packet {
  return create(PacketSchema, {
    id: stream.id,
    kind: PacketKind.STREAM_DATA,
    type: stream.type,
    payload,
  });
}

export interface PeerOptions {
  log: Logger;
  maxFrameBytes?: number;
  requestTimeoutMs?: number;
  /** Data packets in flight per stream. */
  streamWindow?: number;
  maxStreams?: number;
  maxPendingRequests?: number;
  /** Stream IDs this side allocates are odd (host) or even (zone), so they never clash. */
  role: "host" | "zone";
  /** Sees every packet, both ways (the daemon's idm-snoop tee). */
  onPacket?: (direction: Direction, packet: Packet) => void;
}

type RequestHandler = (payload: Uint8Array, packet: Packet) => Promise<Uint8Array> | Uint8Array;
type EventHandler = (payload: Uint8Array, packet: Packet) => void;
type StreamHandler = (stream: IdmStream, payload: Uint8Array) => void;

/** Counters an operator (or a test) reads to see what a zone has been sending. */
export interface PeerStats {
  framesCorrupt: number;
  packetsMalformed: number;
  protocolViolations: number;
  /** Events, requests and streams the other side started that `admit` refused. */
  packetsDenied: number;
}

/** Field 5's tag and length varint around a payload in a frame. */
const PAYLOAD_FIELD_OVERHEAD = 6;

/**
 * One end of an IDM channel: events, requests with timeouts, and streams with
 * credit-based flow control, over any transport. Bad input from the other
 * side (corrupt frames, undecodable packets, protocol violations) is counted
 * and logged; it never crashes the peer or reaches a handler.
 */
export class IdmPeer {
  readonly stats: PeerStats = {
    framesCorrupt: 0,
    packetsMalformed: 0,
    protocolViolations: 0,
    packetsDenied: 0,
  };
  /**
   * Decides, for each event, request or stream the other side starts, whether it reaches a
   * handler (the daemon's per-zone IDM policy); a refused one is counted and dropped. Answers
   * and stream traffic of what this side started are not asked about.
   */
  admit?: (packet: Packet) => boolean;
  /**
   * For each event, request or stream the other side starts (and `admit` let through): how
   * many ms to stop reading before the next frame (the daemon's per-zone rate limits). Nothing
   * is dropped: while this side waits, the other side's writes back up behind the channel.
   */
  pace?: (packet: Packet) => number;
  /** How long the read loop waits after the frame it has just dispatched. */
  #pauseMs = 0;
  /** Ends the read loop's pause early when the channel closes. */
  #wake?: () => void;
  #decoder: FrameDecoder;
  #nextId: bigint;
  #pending = new Map<bigint, { resolve: (p: Packet) => void; reject: (e: Error) => void }>();
  #streams = new Map<bigint, IdmStream>();
  /**
   * Each open stream with its STREAM_DATA packet head, both ways (see
   * stream_data_codec.ts), by ID as a number: no bigint per received chunk.
   */
  #dataHeads = new Map<number, { head: Uint8Array; stream: IdmStream }>();
  #requestHandlers = new Map<string, RequestHandler>();
  #eventHandlers = new Map<string, EventHandler>();
  #streamHandlers = new Map<string, StreamHandler>();
  #writer: FrameWriter;
  #maxFrameBytes: number;
  #closed = false;
  /** Resolves when the other side goes away (or close() is called). */
  readonly done: Promise<void>;

  constructor(private readonly transport: IdmTransport, private readonly options: PeerOptions) {
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#decoder = new FrameDecoder(
      this.#maxFrameBytes,
      undefined,
      transport.buffers,
    );
    this.#writer = new FrameWriter((bytes) => transport.write(bytes));
    this.#nextId = options.role === "host" ? 1n : 2n;
    this.done = this.#readLoop();
  }

  onRequest(type: string, handler: RequestHandler): void {
    this.#requestHandlers.set(type, handler);
  }

  onEvent(type: string, handler: EventHandler): void {
    this.#eventHandlers.set(type, handler);
  }

  onStream(type: string, handler: StreamHandler): void {
    this.#streamHandlers.set(type, handler);
  }

  async sendEvent(type: string, payload: Uint8Array, channel = 0): Promise<void> {
    await this.#send(create(PacketSchema, { kind: PacketKind.EVENT, type, payload, channel }));
  }

  /** Sends a request and waits for its response (or times out). */
  async request(type: string, payload: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    if (this.#pending.size >= (this.options.maxPendingRequests ?? 256)) {
      throw new ResourceExhaustedError("too many IDM requests in flight");
    }
    const id = this.#allocateId();
    const timeout = timeoutMs ?? this.options.requestTimeoutMs ?? 10_000;
    const { promise, resolve, reject } = Promise.withResolvers<Packet>();
    const timer = setTimeout(() => {
      this.#pending.delete(id);
      reject(new DeadlineExceededError(`IDM request ${type} got no answer in ${timeout} ms`));
    }, timeout);
    this.#pending.set(id, { resolve, reject });
    try {
      await this.#send(create(PacketSchema, { id, kind: PacketKind.REQUEST, type, payload }));
      const response = await promise;
      if (response.error) throw new Error(`${type} failed in the other side: ${response.error}`);
      return response.payload;
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
  }

  /** Opens a stream; the other side's handler for `type` gets the other end. */
  async openStream(type: string, payload: Uint8Array, channel = 0): Promise<IdmStream> {
    const stream = this.#newStream(this.#allocateId(), type);
    await this.#send(
      create(PacketSchema, { id: stream.id, kind: PacketKind.STREAM_OPEN, type, payload, channel }),
    );
    return stream;
  }

  /** Closes the channel once what was sent is written (at most CLOSE_FLUSH_MS). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise((r) => timer = setTimeout(r, CLOSE_FLUSH_MS));
    void Promise.race([this.#writer.flushed(), late]).finally(() => {
      clearTimeout(timer);
      this.transport.close();
    });
  }

  #allocateId(): bigint {
    const id = this.#nextId;
    this.#nextId += 2n;
    return id;
  }

  #newStream(id: bigint, type: string): IdmStream {
    if (this.#streams.size >= (this.options.maxStreams ?? 64)) {
      throw new ResourceExhaustedError(`too many IDM streams open (${this.#streams.size})`);
    }
    const dataHead = streamDataHead(id, type);
    const stream: IdmStream = new IdmStream(id, type, {
      sendData: (_sid, data) =>
        this.#write(dataHead, data, this.options.onPacket && (() => dataPacket(stream, data))),
      sendCredit: (sid, credit) =>
        this.#send(create(PacketSchema, { id: sid, kind: PacketKind.STREAM_CREDIT, type, credit })),
      sendClose: (sid, error) =>
        this.#send(
          create(PacketSchema, {
            id: sid,
            kind: PacketKind.STREAM_CLOSE,
            type,
            error: error ?? "",
          }),
        ),
      release: (frame) => this.#decoder.release(frame),
      forget: (sid) => {
        this.#streams.delete(sid);
        if (this.#dataHeads.get(Number(sid))?.stream === stream) {
          this.#dataHeads.delete(Number(sid));
        }
      },
    }, this.options.streamWindow ?? 64);
    this.#streams.set(id, stream);
    // IDs past 2^53 (only a misbehaving zone picks them) take the full decoder instead.
    if (id <= MAX_SAFE_ID) this.#dataHeads.set(Number(id), { head: dataHead, stream });
    return stream;
  }

  #send(packet: Packet): Promise<void> {
    // The payload (field 5) is framed without being copied into the message.
    return this.#write(
      toBinary(PacketSchema, { ...packet, payload: EMPTY }),
      packet.payload,
      packet,
    );
  }

  /**
   * Frames `head` (a packet without its payload) and `payload` as field 5, and
   * writes it after the frames before it. `packet` is what the tap sees; a maker,
   * so the hot path builds it only when someone is watching (and passes none when
   * nobody is).
   */
  #write(
    head: Uint8Array,
    payload: Uint8Array,
    packet: Packet | (() => Packet) | undefined,
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new UnavailableError("IDM channel is closed"));
    // The other side drops a frame over its limit as corrupt: refuse it here, with the size.
    const bytes = head.length + payload.length + PAYLOAD_FIELD_OVERHEAD;
    if (bytes > this.#maxFrameBytes) {
      return Promise.reject(
        new ResourceExhaustedError(
          `an IDM message of ${bytes} bytes is over the ${this.#maxFrameBytes}-byte frame limit`,
        ),
      );
    }
    const tap = this.options.onPacket;
    if (tap && packet) tap("out", typeof packet === "function" ? packet() : packet);
    return this.#writer.push(head, 5, payload);
  }

  async #readLoop(): Promise<void> {
    try {
      for await (const chunk of this.transport.readable) {
        const { corrupt, skippedBytes } = this.#decoder.stats;
        for (const payload of this.#decoder.push(chunk)) {
          try {
            this.#dispatch(payload);
          } catch (e) {
            // One bad packet must not take the channel down.
            this.options.log.error("IDM dispatch failed", { error: e });
          }
          if (this.#pauseMs > 0) await this.#pause();
          if (this.#closed) return;
        }
        const stats = this.#decoder.stats;
        if (stats.corrupt > corrupt) {
          this.stats.framesCorrupt = stats.corrupt;
          this.options.log.warn("corrupt IDM frames skipped", { total: stats.corrupt });
        }
        if (stats.skippedBytes > skippedBytes) {
          this.options.log.warn("non-frame bytes skipped on the IDM channel", {
            bytes: stats.skippedBytes - skippedBytes,
          });
        }
        if (stats.foreignVersion !== undefined) {
          // Nothing it sends can be read, nor what we send by it: say why, once, and hang up.
          this.options.log.error(
            "the other end speaks another IDM protocol version; closing the channel",
            {
              theirs: stats.foreignVersion,
              ours: VERSION,
              hint: "the zone agent and the daemon come from different protect releases: " +
                "install the zone files (kernel, initrd, addons) of this release",
            },
          );
          this.close();
          break;
        }
      }
    } catch (e) {
      if (!this.#closed) this.options.log.warn("IDM channel read failed", { error: e });
    } finally {
      // The other side went away (or the read failed): let go of the transport (its socket
      // or ring) now. close() lets go of it itself, once what it queued is written.
      if (!this.#closed) {
        this.#closed = true;
        this.transport.close();
      }
      for (const p of this.#pending.values()) p.reject(new UnavailableError("IDM channel closed"));
      for (const s of this.#streams.values()) s.receiveClose("IDM channel closed");
    }
  }

  /** Stops reading for #pauseMs (the transport's reads stop too, so the sender backs up). */
  async #pause(): Promise<void> {
    const ms = this.#pauseMs;
    this.#pauseMs = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.#wake = undefined;
  }

  #violation(reason: string, packet?: Packet): void {
    this.stats.protocolViolations++;
    this.options.log.warn("IDM protocol violation", { reason, type: packet?.type, id: packet?.id });
  }

  #dispatch(bytes: Uint8Array): void {
    if (this.#receiveStreamData(bytes)) return;
    let packet: Packet;
    try {
      packet = fromBinary(PacketSchema, bytes);
    } catch (e) {
      this.stats.packetsMalformed++;
      this.options.log.warn("malformed IDM packet dropped", {
        error: e,
        total: this.stats.packetsMalformed,
      });
      return;
    }
    if (packet.type.length > 64) return this.#violation("type name longer than 64 bytes");
    this.options.onPacket?.("in", packet);
    const initiated = packet.kind === PacketKind.EVENT || packet.kind === PacketKind.REQUEST ||
      packet.kind === PacketKind.STREAM_OPEN;
    if (initiated && this.admit && !this.admit(packet)) {
      this.stats.packetsDenied++;
      // A request or a stream is told at once, rather than left to time out.
      if (packet.kind === PacketKind.EVENT) return;
      return void this.#send(create(PacketSchema, {
        id: packet.id,
        kind: packet.kind === PacketKind.REQUEST ? PacketKind.RESPONSE : PacketKind.STREAM_CLOSE,
        type: packet.type,
        error: `${packet.type} is denied by the host's IDM policy`,
      })).catch(() => {});
    }
    if (initiated && this.pace) this.#pauseMs = Math.max(this.#pauseMs, this.pace(packet));
    switch (packet.kind) {
      case PacketKind.EVENT: {
        const handler = this.#eventHandlers.get(packet.type);
        if (!handler) return this.#violation("event of unknown type", packet);
        return this.#guard(() => handler(packet.payload, packet), packet);
      }
      case PacketKind.REQUEST:
        return void this.#answer(packet);
      case PacketKind.RESPONSE: {
        const pending = this.#pending.get(packet.id);
        if (!pending) return this.#violation("response to no request", packet);
        return pending.resolve(packet);
      }
      case PacketKind.STREAM_OPEN: {
        const handler = this.#streamHandlers.get(packet.type);
        if (!handler || this.#streams.has(packet.id)) {
          this.#violation(handler ? "stream ID reused" : "stream of unknown type", packet);
          return void this.#send(create(PacketSchema, {
            id: packet.id,
            kind: PacketKind.STREAM_CLOSE,
            type: packet.type,
            error: handler ? "stream ID in use" : `no stream handler for ${packet.type}`,
          })).catch(() => {});
        }
        let stream: IdmStream;
        try {
          stream = this.#newStream(packet.id, packet.type);
        } catch (e) {
          return this.#violation((e as Error).message, packet);
        }
        return this.#guard(() => handler(stream, packet.payload), packet);
      }
      case PacketKind.STREAM_DATA:
      case PacketKind.STREAM_CREDIT:
      case PacketKind.STREAM_CLOSE: {
        const stream = this.#streams.get(packet.id);
        if (!stream) return this.#violation("packet for no open stream", packet);
        if (packet.kind === PacketKind.STREAM_DATA) {
          this.#deliver(stream, packet.payload, bytes);
        } else if (packet.kind === PacketKind.STREAM_CREDIT) stream.receiveCredit(packet.credit);
        else stream.receiveClose(packet.error);
        return;
      }
      default:
        return this.#violation("unknown packet kind", packet);
    }
  }

  /** The hot path: a data packet for an open stream, in its canonical form. */
  #receiveStreamData(bytes: Uint8Array): boolean {
    const id = leadingId(bytes);
    const open = id === undefined ? undefined : this.#dataHeads.get(id);
    const payload = open && payloadAfterHead(bytes, open.head);
    if (!payload) return false;
    const { stream } = open!;
    if (this.options.onPacket) this.options.onPacket("in", dataPacket(stream, payload));
    this.#deliver(stream, payload, bytes);
    return true;
  }

  /** Hands a data packet to its stream, which gives `frame`'s buffer back once it is read. */
  #deliver(stream: IdmStream, payload: Uint8Array, frame: Uint8Array): void {
    try {
      stream.receiveData(payload, frame);
    } catch (e) {
      // Past its credit: refuse rather than buffer without bound.
      this.#violation((e as Error).message, dataPacket(stream, payload));
      stream.receiveClose((e as Error).message);
      void stream.close((e as Error).message).catch(() => {});
    }
  }

  #guard(fn: () => void, packet: Packet): void {
    try {
      fn();
    } catch (e) {
      this.options.log.error("IDM handler failed", { type: packet.type, error: e });
    }
  }

  async #answer(packet: Packet): Promise<void> {
    const handler = this.#requestHandlers.get(packet.type);
    let payload = new Uint8Array();
    let error = "";
    if (!handler) {
      error = `no handler for ${packet.type}`;
      this.#violation("request of unknown type", packet);
    } else {
      try {
        payload = await handler(packet.payload, packet) as Uint8Array<ArrayBuffer>;
      } catch (e) {
        error = (e as Error).message || String(e);
      }
    }
    await this.#send(
      create(PacketSchema, {
        id: packet.id,
        kind: PacketKind.RESPONSE,
        type: packet.type,
        payload,
        error,
      }),
    )
      .catch(() => {});
  }
}
