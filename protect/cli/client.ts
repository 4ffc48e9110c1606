import { type Client, ConnectError, createClient } from "@connectrpc/connect";
import { ControlService } from "../../proto/mod.ts";
import { connectionLost, createUnixTransport } from "../../lib/rpc/mod.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import { groupName } from "../../lib/fs/mod.ts";

export type ControlClient = Client<typeof ControlService>;

export const DEFAULT_SOCKET = "/run/protect/daemon.sock";

/**
 * Fails early and clearly when `socket` is missing, not a socket, or not this user's: `program`
 * names what should serve it, `hint` how to start it or point elsewhere.
 */
export function requireSocket(socket: string, program: string, hint: string): void {
  try {
    if (!Deno.statSync(socket).isSocket) {
      throw new CliError(`${socket} is not a socket`, EXIT.unreachable);
    }
  } catch (e) {
    if (e instanceof Deno.errors.PermissionDenied) throw refused(socket);
    if (e instanceof Deno.errors.NotFound) {
      throw new CliError(
        `cannot reach ${program}: no socket at ${socket} (${hint})`,
        EXIT.unreachable,
      );
    }
    throw e;
  }
}

/** A ControlService client on `socket`; fails early and clearly when nothing is there. */
export function connectDaemon(socket: string): ControlClient {
  requireSocket(
    socket,
    "protect-daemon",
    "is the daemon running? use --socket or PROTECT_SOCKET to point elsewhere",
  );
  return createClient(ControlService, createUnixTransport(socket));
}

/** One line for an RPC failure: what the daemon said, without protocol noise. */
export function describeRpcError(error: unknown, socket: string): CliError {
  for (let e: unknown = error, i = 0; e instanceof Error && i < 6; e = e.cause, i++) {
    if (e instanceof Deno.errors.PermissionDenied) return refused(socket);
  }
  const lost = connectionLost(error, socket);
  if (lost) {
    return new CliError(
      `lost protect-daemon at ${socket} during the request: ${
        lost.message.replace(/^the connection to \S+ broke: /, "")
      } (did it stop or restart? the request may or may not have been carried out)`,
      EXIT.unreachable,
    );
  }
  if (error instanceof ConnectError) {
    // A transport failure carries the fetch error as its cause; errors the
    // daemon sent (even Unavailable, e.g. storage down) do not.
    // NotFound: the socket went between our check and the connect (a daemon restarting).
    if (
      error.cause instanceof TypeError || error.cause instanceof Deno.errors.ConnectionRefused ||
      error.cause instanceof Deno.errors.NotFound
    ) {
      const root = (error.cause as Error).cause;
      const why = root instanceof Error ? root.message : error.cause.message;
      return new CliError(
        `cannot reach protect-daemon at ${socket}: ${why} (is the daemon running?)`,
        EXIT.unreachable,
      );
    }
    return new CliError(error.rawMessage, EXIT.failed);
  }
  if (error instanceof CliError) return error;
  return new CliError(error instanceof Error ? error.message : String(error));
}

/** The socket (or its directory) is not this user's: say whose it is and how to join. */
function refused(socket: string): CliError {
  // (No node:path: the CLI bundle stays free of Node compat.)
  const owner = [socket, socket.slice(0, socket.lastIndexOf("/")) || "/"].map((path) => {
    try {
      return Deno.statSync(path).gid;
    } catch {
      return null;
    }
  }).find((gid) => gid !== null && gid !== 0);
  const group = owner === undefined ? undefined : groupName(owner!) ?? String(owner);
  return new CliError(
    `permission denied on ${socket}: ` +
      (group
        ? `protect-daemon serves root and group ${group}; join it (usermod -aG ${group} $USER, ` +
          "then log in again) or run as root"
        : "only root may use it (the daemon's socket_group does not exist); run as root"),
    EXIT.unreachable,
  );
}
