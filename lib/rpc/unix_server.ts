import { FailedPreconditionError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { fetchHandler } from "./fetch_adapters.ts";
import { buildHandlers, type RouterOptions, type Routes } from "./router.ts";

export interface UnixServerOptions extends RouterOptions {
  /** Socket path; its directory must exist. */
  path: string;
  routes: Routes;
  /** Socket file mode; 0660 so only root and the protect group connect. */
  mode?: number;
  log?: Logger;
}

export interface UnixServer {
  readonly path: string;
  /** Stops accepting, ends open streams, removes the socket file. */
  close(): Promise<void>;
}

/** True when something accepts connections on `path`. */
export async function socketIsLive(path: string): Promise<boolean> {
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses to take over a socket another process serves; removes one left
 * behind by a process that died.
 */
export async function claimSocketPath(path: string, log?: Logger): Promise<void> {
  try {
    if (!Deno.lstatSync(path).isSocket) {
      throw new FailedPreconditionError(
        `${path} exists and is not a socket; refusing to replace it`,
      );
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (await socketIsLive(path)) {
    throw new FailedPreconditionError(
      `another process is already serving ${path}; stop it first or use a different --root`,
    );
  }
  log?.warn("removing stale socket left by a previous run", { path });
  Deno.removeSync(path);
}

/** Serves Connect routes (Connect, gRPC-web and gRPC-over-HTTP/1 unary) on a Unix socket. */
export async function serveUnix(options: UnixServerOptions): Promise<UnixServer> {
  await claimSocketPath(options.path, options.log);
  const handlers = new Map(
    [...buildHandlers(options.routes, options).entries()].map((
      [path, h],
    ) => [path, fetchHandler(h, options.readMaxBytes)]),
  );
  const shutdown = new AbortController();
  const { promise: listening, resolve } = Promise.withResolvers<void>();
  const server = Deno.serve({
    path: options.path,
    signal: shutdown.signal,
    onListen: () => resolve(),
    onError: (error) => {
      options.log?.error("request failed outside any handler", { error });
      return new Response("internal error", { status: 500 });
    },
  }, (request) => {
    const handler = handlers.get(new URL(request.url).pathname);
    if (!handler) return new Response("no such RPC", { status: 404 });
    return handler(request);
  });
  await listening;
  Deno.chmodSync(options.path, options.mode ?? 0o660);
  return {
    path: options.path,
    close: async () => {
      shutdown.abort();
      await server.finished;
      try {
        Deno.removeSync(options.path);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    },
  };
}
