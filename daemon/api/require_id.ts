import { InvalidArgumentError } from "../../lib/errors/mod.ts";

/** Rejects an empty or oversized ID field before any lookup. */
export function requireId(value: string, field: string): string {
  if (value === "") throw new InvalidArgumentError(field, "must not be empty");
  if (value.length > 128) throw new InvalidArgumentError(field, "must be at most 128 characters");
  return value;
}
