import type { UniversalClientFn, UniversalClientRequest } from "@connectrpc/connect/protocol";
import { concat, writeAll } from "../bytes/mod.ts";
import { ConnectionLostError } from "./connection_lost.ts";
import { collect, once } from "./bodies.ts";

/** A response head (status line and headers) larger than this is refused. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Idle connections kept for the next call. */
const MAX_IDLE = 4;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Bytes read from a connection, with what is left over past what was asked for.
 * While the connection is idle a read stays armed, so a connection the server
 * closed meanwhile is known before a request is written to it (see `alive`).
 */
class ConnReader {
  #buffer = new Uint8Array(16 * 1024);
  #start = 0;
  #end = 0;
  /** The read armed while idle; the next fill takes its result. */
  #armed?: Promise<number | null>;
  /** Set once the armed read has settled (closed, or bytes nobody asked for). */
  #stale = false;

  constructor(readonly conn: Deno.Conn) {}

  /** Arms a read for the idle time (nothing is buffered between responses). */
  idle(): void {
    this.#stale = false;
    this.#start = this.#end = 0;
    this.#armed = this.conn.read(this.#buffer);
    this.#armed.then(() => this.#stale = true, () => this.#stale = true);
  }

  /** Whether an idle connection may carry the next request. */
  get alive(): boolean {
    return !this.#stale;
  }

  /** Reads more; false at end of stream. */
  async #fill(): Promise<boolean> {
    const armed = this.#armed;
    this.#armed = undefined;
    if (armed) {
      const n = await armed; // it reads into the buffer's start: nothing was buffered
      if (n === null) return false;
      this.#end += n;
      return true;
    }
    if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buffer.length) {
      const grown = new Uint8Array(this.#buffer.length * 2);
      grown.set(this.#buffer.subarray(0, this.#end));
      this.#buffer = grown;
    }
    const n = await this.conn.read(this.#buffer.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** The bytes up to (not including) `delimiter`, consumed with it; at most `max` bytes. */
  async until(delimiter: Uint8Array, max: number, what: string): Promise<Uint8Array> {
    let from = 0;
    while (true) {
      const at = indexOf(this.#buffer.subarray(this.#start, this.#end), delimiter, from);
      if (at > max) throw new Error(`${what} longer than ${max} bytes`);
      if (at >= 0) {
        const out = this.#buffer.slice(this.#start, this.#start + at);
        this.#start += at + delimiter.length;
        return out;
      }
      from = Math.max(0, this.#end - this.#start - delimiter.length + 1);
      if (this.#end - this.#start > max) throw new Error(`${what} longer than ${max} bytes`);
      if (!(await this.#fill())) throw new Error(`connection closed inside the ${what}`);
    }
  }

  /** Exactly `length` bytes. */
  async exactly(length: number, what: string): Promise<Uint8Array> {
    while (this.#end - this.#start < length) {
      if (!(await this.#fill())) throw new Error(`connection closed inside the ${what}`);
    }
    const out = this.#buffer.slice(this.#start, this.#start + length);
    this.#start += length;
    return out;
  }

  /** Everything until the other side closes, at most `max` bytes. */
  async rest(max: number): Promise<Uint8Array> {
    while (await this.#fill()) {
      if (this.#end - this.#start > max) throw new Error(`response body over ${max} bytes`);
    }
    return this.exactly(this.#end - this.#start, "body");
  }

  /** Whether bytes arrived that no response asked for (the connection is then not reused). */
  get hasLeftover(): boolean {
    return this.#end > this.#start;
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

const CRLF = encoder.encode("\r\n");
const HEAD_END = encoder.encode("\r\n\r\n");

/** The request line and headers; a header value with a line break is refused (it would split the head). */
function requestHead(request: UniversalClientRequest, bodyLength: number): Uint8Array {
  const url = new URL(request.url);
  let head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of request.header) {
    if (name === "content-length" || name === "connection" || name === "host") continue;
    if (/[\r\n]/.test(value)) throw new Error(`header ${name} holds a line break`);
    head += `${name}: ${value}\r\n`;
  }
  return encoder.encode(`${head}content-length: ${bodyLength}\r\n\r\n`);
}

/** Reads one response: status, headers and the whole body (length-delimited, chunked, or to EOF). */
async function readResponse(reader: ConnReader, maxBodyBytes: number) {
  const head = decoder.decode(await reader.until(HEAD_END, MAX_HEAD_BYTES, "response head"));
  const [statusLine, ...lines] = head.split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!status) throw new Error(`not an HTTP/1.1 response: ${statusLine.slice(0, 80)}`);
  const header = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) header.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body: Uint8Array;
  let reusable = header.get("connection")?.toLowerCase() !== "close";
  if (header.get("transfer-encoding")?.toLowerCase() === "chunked") {
    const parts: Uint8Array[] = [];
    let total = 0;
    while (true) {
      const sizeLine = decoder.decode(await reader.until(CRLF, 1024, "chunk size"));
      const size = parseInt(sizeLine, 16);
      if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad chunk size ${sizeLine}`);
      if (size === 0) {
        while ((await reader.until(CRLF, MAX_HEAD_BYTES, "trailer")).length > 0) { /* skip */ }
        break;
      }
      if ((total += size) > maxBodyBytes) {
        throw new Error(`response body over ${maxBodyBytes} bytes`);
      }
      parts.push(await reader.exactly(size, "chunk"));
      await reader.exactly(2, "chunk end");
    }
    body = concat(parts);
  } else if (header.has("content-length")) {
    const length = Number(header.get("content-length"));
    if (!Number.isSafeInteger(length) || length < 0 || length > maxBodyBytes) {
      throw new Error(`bad or oversized content-length ${header.get("content-length")}`);
    }
    body = await reader.exactly(length, "body");
  } else {
    body = await reader.rest(maxBodyBytes);
    reusable = false;
  }
  return { status: Number(status[1]), header, body, reusable: reusable && !reader.hasLeftover };
}

/**
 * Unary Connect calls as plain HTTP/1.1 over a Unix socket, with Deno.connect.
 * Deno's fetch costs a short-lived process such as the CLI about 20 ms the first
 * time (its client, Request and body machinery); this is one write and a read
 * or two. Connections are kept for the next call (at most MAX_IDLE idle); one
 * that failed, or that the server closed while idle, is dropped. A request is
 * never sent twice.
 */
export function http1UnaryClient(
  path: string,
  maxBodyBytes = 64 * 1024 * 1024,
): UniversalClientFn & { close(): void } {
  const idle: ConnReader[] = [];
  const call = async (request: UniversalClientRequest) => {
    request.signal?.throwIfAborted();
    const body = request.body ? await collect(request.body) : new Uint8Array();
    const bytes = concat([requestHead(request, body.length), body]);
    // An idle connection whose armed read settled was closed by the server (or
    // sent bytes nobody asked for): it is dropped, never written to.
    let reader: ConnReader | undefined;
    while ((reader = idle.pop()) && !reader.alive) closeQuietly(reader.conn);
    reader ??= new ConnReader(await Deno.connect({ transport: "unix", path }));
    const conn = reader.conn;
    const abort = () => closeQuietly(conn);
    request.signal?.addEventListener("abort", abort, { once: true });
    let response;
    try {
      request.signal?.throwIfAborted(); // aborted while connecting: the listener came too late
      await writeAll(conn, bytes);
      response = await readResponse(reader, maxBodyBytes);
    } catch (e) {
      closeQuietly(conn);
      if (request.signal?.aborted) throw request.signal.reason;
      throw new ConnectionLostError(path, e);
    } finally {
      request.signal?.removeEventListener("abort", abort);
    }
    if (response.reusable && idle.length < MAX_IDLE) {
      reader.idle();
      idle.push(reader);
    } else closeQuietly(conn);
    return {
      status: response.status,
      header: response.header,
      body: once(response.body),
      trailer: new Headers(),
    };
  };
  return Object.assign(call, {
    close: () => {
      for (const reader of idle.splice(0)) closeQuietly(reader.conn);
    },
  });
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
