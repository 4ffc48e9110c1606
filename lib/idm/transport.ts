/** A byte channel between the host and a zone: Unix socket, vchan, or in-memory for tests. */
export interface IdmTransport {
  readonly readable: AsyncIterable<Uint8Array>;
  write(bytes: Uint8Array): Promise<void>;
  close(): void;
}

/** Wraps a connected Deno socket. */
export function connTransport(conn: Deno.Conn): IdmTransport {
  return {
    readable: conn.readable,
    async write(bytes) {
      let written = 0;
      while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    },
    close() {
      try {
        conn.close();
      } catch { /* already closed */ }
    },
  };
}

/** Connects to a Unix socket (the zone agent side under the process driver). */
export async function connectUnix(path: string): Promise<IdmTransport> {
  return connTransport(await Deno.connect({ transport: "unix", path }));
}

/** Two transports wired to each other, for tests. */
export function transportPair(): [IdmTransport, IdmTransport] {
  const make = () => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const readable = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    return { readable, controller };
  };
  const a = make();
  const b = make();
  const side = (
    own: typeof a,
    other: typeof a,
  ): IdmTransport => ({
    readable: own.readable,
    write: (bytes) => {
      other.controller.enqueue(bytes.slice());
      return Promise.resolve();
    },
    close: () => {
      for (const s of [own, other]) {
        try {
          s.controller.close();
        } catch { /* closed */ }
      }
    },
  });
  return [side(a, b), side(b, a)];
}
