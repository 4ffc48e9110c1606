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
    if (
      error instanceof ConnectError && error.code === Code.Unknown &&
      /connect|refused|No such file/i.test(String(error.cause))
    ) {
      return new UnavailableError(
        `cannot reach ${this.program} at ${this.socket}: ${error.message}`,
      );
    }
    return error;
  }
}
