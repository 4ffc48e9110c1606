/**
 * Typed errors shared by every protect program. Each class names one known
 * condition; `connect_codes.ts` maps them to Connect codes in one table so a
 * known condition never reaches a client as `Unknown`.
 */
export class ProtectError extends Error {
  /** Messages may echo what a caller sent (a name, a path): a huge one is cut. */
  constructor(message: string, options?: ErrorOptions) {
    super(cut(message, 2000), options);
    this.name = new.target.name;
  }
}

/** A named thing does not exist. */
export class NotFoundError extends ProtectError {}

/** A thing with that name or ID exists already. */
export class AlreadyExistsError extends ProtectError {}

/** A request field is invalid; `field` names it (dotted path, e.g. `spec.name`). */
export class InvalidArgumentError extends ProtectError {
  readonly field: string;
  readonly reason: string;
  /** Both may echo the caller's input: each is cut so an error line stays readable. */
  constructor(field: string, reason: string) {
    const f = cut(field, 200);
    const r = cut(reason, 1000);
    super(`invalid ${f}: ${r}`);
    this.field = f;
    this.reason = r;
  }
}

/** `text`, or its first `max` characters and how many more there were. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more)`;
}

/** A caller's value quoted for an error message, at most `max` characters of it. */
export function quoted(value: string, max = 64): string {
  return `"${cut(value, max)}"`;
}

/** Untrusted content (an image layer, an archive, a zone's message) was refused. */
export class InvalidContentError extends ProtectError {}

/** Bytes did not match what they claimed to be (digest, size). */
export class DataLossError extends ProtectError {}

/** The target is in the wrong state for the operation. */
export class FailedPreconditionError extends ProtectError {}

/** The capability is not built yet; the message says which piece of work brings it. */
export class UnimplementedError extends ProtectError {}

/** A dependency (another daemon, the hypervisor) is not reachable right now. */
export class UnavailableError extends ProtectError {}

/** A limit was hit (queue full, watcher fell behind, size limit). */
export class ResourceExhaustedError extends ProtectError {}

/** The operation did not finish in time. */
export class DeadlineExceededError extends ProtectError {}

/** The caller lacks the right to do this. */
export class PermissionDeniedError extends ProtectError {}

/** An invariant broke: a bug, or state we cannot explain. */
export class InternalError extends ProtectError {}
