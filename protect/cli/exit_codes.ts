/** Exit codes of the protect CLI; documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** The daemon refused or the operation failed (zone FAILED, not found, ...). */
  failed: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** No daemon at the socket. */
  unreachable: 3,
  /** --wait gave up. */
  timeout: 4,
} as const;

/** The workload or command could not be run at all (as docker run and exec use). */
export const EXIT_NOT_RUN = 125;

/** An error meant for the user: printed as one line, no stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
  }
}
