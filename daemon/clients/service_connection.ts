import type { DescService } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { UnavailableError } from "../../lib/errors/mod.ts";
import { createUnixTransport } from "../../lib/rpc/mod.ts";

/**
 * The daemon's client of a sibling program (protect-storage, protect-network).
 * Connects lazily; when the program is not running, calls fail with
 * Unavailable naming it and its socket.
 */
export class ServiceConnection<S extends DescService> {
  #client?: Client<S>;

  constructor(readonly service: S, readonly program: string, readonly socket: string) {}

  get client(): Client<S> {
    try {
      Deno.statSync(this.socket);
    } catch {
      throw new UnavailableError(`${this.program} is not running (no socket at ${this.socket})`);
    }
    this.#client ??= createClient(this.service, createUnixTransport(this.socket));
    return this.#client;
  }

  /** Connection failures become Unavailable; the program's own errors pass through. */
  error(error: unknown): unknown {
    if (!(error instanceof ConnectError) || error.code !== Code.Unknown) return error;
    // A unary call's cause is the OS error; a streaming call's is fetch's TypeError, with
    // the OS error one level down.
    const causes: string[] = [];
    for (let c = error.cause, depth = 0; c !== undefined && depth < 4; depth++) {
      causes.push(String(c));
      c = (c as { cause?: unknown }).cause;
    }
    const os = causes.find((c) => /connect|refused|No such file|reset|broken pipe/i.test(c));
    if (!os) return error;
    const reason = /[A-Z][A-Za-z ]*\(os error \d+\)/.exec(os)?.[0] ?? os;
    return new UnavailableError(`cannot reach ${this.program} at ${this.socket}: ${reason}`);
  }
}
