import type { Socket } from "node:net";
import {
  controlFrame,
  dataFrame,
  decodeHeaders,
  encodeHeaders,
  FLAG_FIN,
  type Frame,
  FrameReader,
  FrameType,
  goawayFrame,
  parseSettings,
  parseSynStream,
  RstStatus,
  rstStreamFrame,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SpdyProtocolError,
  synReplyFrame,
  windowUpdateFrame,
  words,
} from "./spdy_frames.ts";
import { HeaderDeflater, HeaderInflater } from "./spdy_headers.ts";

/** SPDY/3.1's initial flow-control window, per stream and for the session. */
const INITIAL_WINDOW = 64 * 1024;
/** Largest DATA frame we send. */
const MAX_DATA_FRAME = 16 * 1024;
/** A session holds at most this many streams (kubelet's exec uses 5, a port-forward 2 a connection). */
const MAX_STREAMS = 256;

/**
 * One SPDY stream: what the peer sends arrives through `read()` (null at its FIN); what we
 * write is flow-controlled by the peer's window. `close()` half-closes our side.
 */
export class SpdyStream {
  #queue: Uint8Array[] = [];
  #ended = false;
  #wake?: () => void;
  sendWindow: number;
  #windowWaiters: Array<() => void> = [];
  #localClosed = false;
  reset = false;

  constructor(
    readonly id: number,
    readonly headers: Map<string, string>,
    private readonly session: SpdySession,
    initialWindow: number,
  ) {
    this.sendWindow = initialWindow;
  }

  /** The next chunk the peer sent, or null once it closed its side. */
  async read(): Promise<Uint8Array | null> {
    while (this.#queue.length === 0 && !this.#ended) {
      await new Promise<void>((r) => this.#wake = r);
    }
    const chunk = this.#queue.shift();
    if (!chunk) return null;
    this.session.consumed(this, chunk.length);
    return chunk;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (let c = await this.read(); c; c = await this.read()) yield c;
  }

  /** Sends data within the peer's windows (waiting for WINDOW_UPDATEs as needed). */
  async write(data: Uint8Array): Promise<void> {
    let at = 0;
    while (at < data.length) {
      if (this.reset || this.#localClosed) throw new Error(`stream ${this.id} is closed`);
      const room = Math.min(this.sendWindow, this.session.sendWindow, MAX_DATA_FRAME);
      if (room <= 0) {
        await new Promise<void>((r) => this.#windowWaiters.push(r));
        continue;
      }
      const part = data.subarray(at, at + room);
      this.sendWindow -= part.length;
      this.session.sendWindow -= part.length;
      this.session.send(dataFrame(this.id, 0, part));
      at += part.length;
    }
  }

  close(): void {
    if (this.#localClosed || this.reset) return;
    this.#localClosed = true;
    this.session.send(dataFrame(this.id, FLAG_FIN, new Uint8Array(0)));
    this.session.maybeForget(this);
  }

  get localClosed(): boolean {
    return this.#localClosed;
  }

  get remoteClosed(): boolean {
    return this.#ended;
  }

  /** The session's side of the stream: data, FIN, reset, window updates. */
  deliver(chunk: Uint8Array): void {
    this.#queue.push(chunk);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  windowOpened(): void {
    for (const w of this.#windowWaiters.splice(0)) w();
  }
}

/**
 * A SPDY/3.1 session over an upgraded connection: streams the peer opens (server) or we
 * open (client), header compression, flow control for both directions, PING and GOAWAY.
 * Protocol errors end the session; they never throw out of the socket's handlers.
 */
export class SpdySession {
  #reader = new FrameReader();
  #inflater = new HeaderInflater();
  #deflater = new HeaderDeflater();
  #streams = new Map<number, SpdyStream>();
  #incoming: Promise<void> = Promise.resolve();
  #outgoingHeaders: Promise<unknown> = Promise.resolve();
  #nextId: number;
  #peerInitialWindow = INITIAL_WINDOW;
  #lastPeerStream = 0;
  #replies = new Map<number, (ok: boolean) => void>();
  sendWindow = INITIAL_WINDOW;
  readonly closed: Promise<void>;
  #closed!: () => void;

  constructor(
    private readonly socket: Socket,
    private readonly isServer: boolean,
    private readonly onStream: (stream: SpdyStream) => void = () => {},
  ) {
    this.#nextId = isServer ? 2 : 1;
    this.closed = new Promise((r) => this.#closed = r);
    socket.on("data", (chunk: Uint8Array) => {
      let frames: Frame[];
      try {
        frames = this.#reader.push(chunk);
      } catch (e) {
        return this.#fail(e);
      }
      for (const f of frames) {
        this.#incoming = this.#incoming.then(() => this.#handle(f)).catch((e) => this.#fail(e));
      }
    });
    socket.on("close", () => this.#shutdown());
    socket.on("error", () => this.#shutdown());
  }

  send(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Client side: opens a stream with `headers` and waits for the peer's reply. */
  async openStream(headers: Record<string, string>): Promise<SpdyStream> {
    const id = this.#nextId;
    this.#nextId += 2;
    const stream = new SpdyStream(
      id,
      new Map(Object.entries(headers)),
      this,
      this.#peerInitialWindow,
    );
    this.#streams.set(id, stream);
    const replied = new Promise<boolean>((r) => this.#replies.set(id, r));
    await this.#withDeflater(async (deflate) => {
      const block = await deflate(encodeHeaders(headers));
      const payload = new Uint8Array(10 + block.length);
      new DataView(payload.buffer).setUint32(0, id);
      payload.set(block, 10);
      this.send(controlFrame(FrameType.SYN_STREAM, 0, payload));
    });
    if (!(await replied)) throw new Error(`stream ${id} was refused`);
    return stream;
  }

  /** We read `bytes` of a stream: the peer may send that much more. */
  consumed(stream: SpdyStream, bytes: number): void {
    if (bytes === 0) return;
    this.send(windowUpdateFrame(stream.id, bytes));
    this.send(windowUpdateFrame(0, bytes));
  }

  /** A stream closed both ways is forgotten. */
  maybeForget(stream: SpdyStream): void {
    if (stream.localClosed && stream.remoteClosed) this.#streams.delete(stream.id);
  }

  /** Ends the session: GOAWAY, then the connection. */
  close(): void {
    if (!this.socket.destroyed) {
      this.send(goawayFrame(this.#lastPeerStream));
      this.socket.end();
    }
    this.#shutdown();
  }

  #withDeflater<T>(
    use: (deflate: (b: Uint8Array) => Promise<Uint8Array>) => Promise<T>,
  ): Promise<T> {
    const next = this.#outgoingHeaders.then(() => use((b) => this.#deflater.run(b)));
    this.#outgoingHeaders = next.catch(() => {});
    return next;
  }

  async #handle(f: Frame): Promise<void> {
    if (!f.control) {
      const stream = this.#streams.get(f.streamId);
      if (!stream) return this.send(rstStreamFrame(f.streamId, RstStatus.INVALID_STREAM));
      if (f.data.length) stream.deliver(f.data);
      if (f.flags & FLAG_FIN) {
        stream.end();
        this.maybeForget(stream);
      }
      return;
    }
    switch (f.type) {
      case FrameType.SYN_STREAM: {
        const { streamId, headerBlock } = parseSynStream(f.data);
        const headers = decodeHeaders(await this.#inflater.run(headerBlock));
        this.#lastPeerStream = streamId;
        if (this.#streams.size >= MAX_STREAMS || this.#streams.has(streamId)) {
          return this.send(rstStreamFrame(streamId, RstStatus.REFUSED_STREAM));
        }
        const stream = new SpdyStream(streamId, headers, this, this.#peerInitialWindow);
        this.#streams.set(streamId, stream);
        await this.#withDeflater(async (deflate) => {
          this.send(synReplyFrame(streamId, await deflate(encodeHeaders({}))));
        });
        if (f.flags & FLAG_FIN) stream.end();
        this.onStream(stream);
        return;
      }
      case FrameType.SYN_REPLY:
      case FrameType.HEADERS: {
        const [id] = words(f.data);
        await this.#inflater.run(f.data.subarray(4)); // keeps the zlib context in step
        this.#replies.get(id & 0x7fffffff)?.(true);
        this.#replies.delete(id & 0x7fffffff);
        return;
      }
      case FrameType.RST_STREAM: {
        const [id] = words(f.data);
        const stream = this.#streams.get(id & 0x7fffffff);
        this.#replies.get(id & 0x7fffffff)?.(false);
        if (stream) {
          stream.reset = true;
          stream.end();
          stream.windowOpened();
          this.#streams.delete(stream.id);
        }
        return;
      }
      case FrameType.SETTINGS: {
        const window = parseSettings(f.data).get(SETTINGS_INITIAL_WINDOW_SIZE);
        if (window !== undefined) {
          const delta = window - this.#peerInitialWindow;
          this.#peerInitialWindow = window;
          for (const s of this.#streams.values()) {
            s.sendWindow += delta;
            s.windowOpened();
          }
        }
        return;
      }
      case FrameType.PING:
        return this.send(controlFrame(FrameType.PING, 0, f.data.subarray(0, 4)));
      case FrameType.WINDOW_UPDATE: {
        const [id, delta] = words(f.data);
        const streamId = id & 0x7fffffff;
        if (streamId === 0) {
          this.sendWindow += delta & 0x7fffffff;
          for (const s of this.#streams.values()) s.windowOpened();
        } else {
          const s = this.#streams.get(streamId);
          if (s) {
            s.sendWindow += delta & 0x7fffffff;
            s.windowOpened();
          }
        }
        return;
      }
      case FrameType.GOAWAY:
        return this.#shutdown();
      default:
        return; // unknown control frames are ignored, as the spec says
    }
  }

  #fail(e: unknown): void {
    if (e instanceof SpdyProtocolError) this.send(goawayFrame(this.#lastPeerStream, 1));
    this.socket.destroy();
    this.#shutdown();
  }

  #shutdown(): void {
    for (const s of this.#streams.values()) {
      s.reset = true;
      s.end();
      s.windowOpened();
    }
    for (const r of this.#replies.values()) r(false);
    this.#replies.clear();
    this.#streams.clear();
    this.#inflater.close();
    this.#deflater.close();
    this.#closed();
  }
}
