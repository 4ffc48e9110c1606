import { connectDaemon, type ControlClient, DEFAULT_SOCKET } from "./client.ts";
import type { Options } from "./framework/mod.ts";
import type { OutputFormat } from "./output.ts";

export interface GlobalOptions {
  socket: string;
  output: OutputFormat;
}

/** The daemon socket and output format chosen by the global flags. */
export function globals(options: Options): GlobalOptions {
  const root = options.root as string | undefined;
  const socket = (options.socket as string | undefined) ??
    (root ? root.replace(/\/+$/, "") + DEFAULT_SOCKET : DEFAULT_SOCKET);
  return { socket, output: (options.output as OutputFormat | undefined) ?? "table" };
}

/** The client for this invocation, plus the global options. */
export function daemonFor(options: Options): GlobalOptions & { client: ControlClient } {
  const g = globals(options);
  return { ...g, client: connectDaemon(g.socket) };
}
