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
  return Code.Internal;
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
