import { Code, ConnectError } from "@connectrpc/connect";
import {
  AlreadyExistsError,
  DataLossError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  InvalidContentError,
  NotFoundError,
  PermissionDeniedError,
  ProtectError,
  ResourceExhaustedError,
  UnavailableError,
  UnimplementedError,
} from "./errors.ts";

/** The one table from protect error classes to Connect codes. */
const CODE_TABLE: ReadonlyArray<[new (...args: never[]) => ProtectError, Code]> = [
  [NotFoundError, Code.NotFound],
  [AlreadyExistsError, Code.AlreadyExists],
  [InvalidArgumentError, Code.InvalidArgument],
  [InvalidContentError, Code.InvalidArgument],
  [DataLossError, Code.DataLoss],
  [FailedPreconditionError, Code.FailedPrecondition],
  [UnimplementedError, Code.Unimplemented],
  [UnavailableError, Code.Unavailable],
  [ResourceExhaustedError, Code.ResourceExhausted],
  [DeadlineExceededError, Code.DeadlineExceeded],
  [PermissionDeniedError, Code.PermissionDenied],
  [InternalError, Code.Internal],
];

/** Connect code for a protect error; Internal for anything unrecognised. */
export function codeForError(error: unknown): Code {
  for (const [cls, code] of CODE_TABLE) {
    if (error instanceof cls) return code;
  }
  // A full disk or quota is the host's condition, not a bug: say so whoever hit it.
  if (isNoSpace(error)) return Code.ResourceExhausted;
  return Code.Internal;
}

/** ENOSPC or EDQUOT from the OS (Deno has no error class for them). */
export function isNoSpace(error: unknown): boolean {
  return error instanceof Error &&
    /No space left on device|Disk quota exceeded|\(os error (28|122)\)/.test(error.message);
}

/**
 * Turns any thrown value into a ConnectError with a meaningful code. A
 * ConnectError passes through; an unknown error becomes Internal, never Unknown.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectError(message, codeForError(error), undefined, undefined, error);
}
