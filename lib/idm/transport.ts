/**
 * A byte channel between the host and a zone: Unix socket, vchan, or in-memory
 * for tests. Buffers are lent both ways: a chunk from `readable` is only valid
 * until the next one is pulled (the socket transport reads every chunk into the
 * same buffer), and `write` must be done with `bytes` when its promise resolves
 * (the peer reuses its write buffers).
 */
export interface IdmTransport {
  readonly readable: AsyncIterable<Uint8Array>;
  write(bytes: Uint8Array): Promise<void>;
  close(): void;
}

/** Bytes asked for per socket read: several 64 KiB stream frames, so most arrive whole. */
const READ_BYTES = 256 * 1024;

/**
 * Chunks read straight from the socket, all into one buffer: a fresh buffer per
 * read is what reading costs most (raw 64 KiB reads ran at 1151 MiB/s into fresh
 * buffers against 3506 MiB/s into a reused one). The frame decoder copies what
 * it keeps, so the buffer is free again once it returns.
 */
async function* readChunks(conn: Deno.Conn): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(READ_BYTES);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return;
    yield buffer.subarray(0, n);
  }
}

/** Wraps a connected Deno socket. */
export function connTransport(conn: Deno.Conn): IdmTransport {
  return {
    readable: readChunks(conn),
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
