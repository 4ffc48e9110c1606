import { InvalidArgumentError, NotFoundError } from "../../lib/errors/mod.ts";

/** A pod or container ID as kubelet expects them: 64 lowercase hex characters. */
export function newCriId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(32)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/**
 * The one record whose ID is `ref` or starts with it (as crictl abbreviates them);
 * `undefined` when none (the caller decides between NotFound and success).
 */
export function findByIdPrefix<T extends { id: string }>(
  records: T[],
  ref: string,
  kind: string,
  field: string,
): T | undefined {
  if (ref === "") throw new InvalidArgumentError(field, "must not be empty");
  if (!/^[0-9a-f]{1,64}$/.test(ref)) {
    throw new InvalidArgumentError(field, `"${ref.slice(0, 70)}" is not a ${kind} ID (hex)`);
  }
  const exact = records.find((r) => r.id === ref);
  if (exact) return exact;
  const matches = records.filter((r) => r.id.startsWith(ref));
  if (matches.length > 1) {
    throw new InvalidArgumentError(field, `${kind} ID prefix ${ref} is ambiguous`);
  }
  return matches[0];
}

/** As findByIdPrefix, but NotFound when nothing matches. */
export function getByIdPrefix<T extends { id: string }>(
  records: T[],
  ref: string,
  kind: string,
  field: string,
): T {
  const found = findByIdPrefix(records, ref, kind, field);
  if (!found) throw new NotFoundError(`${kind} ${ref} not found`);
  return found;
}
