import { join } from "node:path";
import type { Command } from "commander";
import { connectDaemon, type ControlClient, DEFAULT_SOCKET } from "./client.ts";
import type { OutputFormat } from "./output.ts";

export interface GlobalOptions {
  socket: string;
  output: OutputFormat;
}

/** Global flags as seen from any subcommand. */
export function globals(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals();
  const socket = opts.socket ??
    (opts.root ? join(opts.root, DEFAULT_SOCKET) : DEFAULT_SOCKET);
  return { socket, output: opts.output };
}

/** The client for this invocation, plus the global options. */
export function daemonFor(command: Command): GlobalOptions & { client: ControlClient } {
  const g = globals(command);
  return { ...g, client: connectDaemon(g.socket) };
}
