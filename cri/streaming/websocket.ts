import { createHash } from "node:crypto";
import type { Socket } from "node:net";

/** RFC 6455's key suffix for Sec-WebSocket-Accept. */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** A message larger than this ends the connection (stdin chunks and resizes are small). */
const MAX_MESSAGE = 1 << 20;

/** The Sec-WebSocket-Accept answer to a client's key. */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/** One server-side frame (unmasked): FIN, `opcode`, the payload. */
export function wsFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = new Uint8Array(head + n);
  const view = new DataView(frame.buffer);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = n;
  else if (n < 65536) {
    frame[1] = 126;
    view.setUint16(2, n);
  } else {
    frame[1] = 127;
    view.setBigUint64(2, BigInt(n));
  }
  frame.set(payload, head);
  return frame;
}

/**
 * The server end of a WebSocket on an upgraded socket: whole messages (binary or text,
 * reassembled from fragments, unmasked) come from `messages()`; pings are answered; a
 * close is echoed. The client must mask its frames, as RFC 6455 says.
 */
export class WebSocketConnection {
  #buffer = new Uint8Array(0);
  #messages: Array<{ text: boolean; data: Uint8Array }> = [];
  #wake?: () => void;
  #closed = false;
  #fragments: Uint8Array[] = [];
  #fragmentText = false;

  constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Uint8Array) => {
      try {
        this.#read(chunk);
      } catch {
        this.close(1002);
      }
    });
    socket.on("close", () => this.#end());
    socket.on("error", () => this.#end());
  }

  send(data: Uint8Array, text = false): void {
    if (!this.#closed && !this.socket.destroyed) this.socket.write(wsFrame(text ? 1 : 2, data));
  }

  /** Closes with a status code and, optionally, the reason (cut to the 123 bytes allowed). */
  close(code = 1000, reason = ""): void {
    if (!this.socket.destroyed) {
      const why = new TextEncoder().encode(reason).subarray(0, 123);
      this.socket.write(wsFrame(8, new Uint8Array([code >> 8, code & 255, ...why])));
      this.socket.end();
    }
    this.#end();
  }

  async *messages(): AsyncGenerator<{ text: boolean; data: Uint8Array }> {
    while (true) {
      const m = this.#messages.shift();
      if (m) {
        yield m;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((r) => this.#wake = r);
    }
  }

  #end(): void {
    this.#closed = true;
    this.#wake?.();
  }

  #read(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    let at = 0;
    while (joined.length - at >= 2) {
      const fin = (joined[at] & 0x80) !== 0;
      const opcode = joined[at] & 0x0f;
      if ((joined[at + 1] & 0x80) === 0) throw new Error("an unmasked client frame");
      let length = joined[at + 1] & 0x7f;
      let head = 2;
      const view = new DataView(joined.buffer, joined.byteOffset + at);
      if (length === 126) {
        if (joined.length - at < 4) break;
        length = view.getUint16(2);
        head = 4;
      } else if (length === 127) {
        if (joined.length - at < 10) break;
        length = Number(view.getBigUint64(2));
        head = 10;
      }
      if (length > MAX_MESSAGE) throw new Error("a frame too large");
      if (joined.length - at < head + 4 + length) break;
      const mask = joined.subarray(at + head, at + head + 4);
      const payload = joined.slice(at + head + 4, at + head + 4 + length);
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      at += head + 4 + length;
      this.#frame(fin, opcode, payload);
    }
    this.#buffer = joined.slice(at);
  }

  #frame(fin: boolean, opcode: number, payload: Uint8Array): void {
    if (opcode === 8) return this.close(); // the client closes: echo and end
    if (opcode === 9) return void this.socket.write(wsFrame(10, payload)); // ping → pong
    if (opcode === 10) return; // pong
    if (opcode === 1 || opcode === 2) {
      this.#fragments = [payload];
      this.#fragmentText = opcode === 1;
    } else if (opcode === 0) this.#fragments.push(payload);
    else throw new Error(`opcode ${opcode}`);
    if (!fin) {
      if (this.#fragments.reduce((n, f) => n + f.length, 0) > MAX_MESSAGE) {
        throw new Error("too large");
      }
      return;
    }
    const data = new Uint8Array(this.#fragments.reduce((n, f) => n + f.length, 0));
    let off = 0;
    for (const f of this.#fragments) {
      data.set(f, off);
      off += f.length;
    }
    this.#fragments = [];
    this.#messages.push({ text: this.#fragmentText, data });
    this.#wake?.();
  }
}
