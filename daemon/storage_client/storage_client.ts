import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { StorageService } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import { UnavailableError } from "../../lib/errors/mod.ts";
import { createUnixTransport } from "../../lib/rpc/mod.ts";

export type StorageClient = Client<typeof StorageService>;

/**
 * The daemon's client of protect-storage. Connects lazily; when the storage
 * daemon is not running, calls fail with Unavailable naming the socket.
 */
export class StorageConnection {
  #client?: StorageClient;

  constructor(readonly socket: string) {}

  get client(): StorageClient {
    try {
      Deno.statSync(this.socket);
    } catch {
      throw new UnavailableError(`protect-storage is not running (no socket at ${this.socket})`);
    }
    this.#client ??= createClient(StorageService, createUnixTransport(this.socket));
    return this.#client;
  }
}

/** Connection failures to storage become Unavailable; its own errors pass through. */
export function storageError(error: unknown, socket: string): unknown {
  if (
    error instanceof ConnectError && error.code === Code.Unknown &&
    /connect|refused|No such file/i.test(String(error.cause))
  ) {
    return new UnavailableError(`cannot reach protect-storage at ${socket}: ${error.message}`);
  }
  return error;
}
