import { InvalidArgumentError } from "../errors/mod.ts";

/** A TOML table, or an empty one when the section is absent. */
export function table(parent: Record<string, unknown>, key: string, where: string) {
  const value = parent[key];
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${where}${key}`, "must be a table");
  }
  return value as Record<string, unknown>;
}

/** A string setting that must be one of `allowed`. */
export function oneOf<T extends string>(
  t: Record<string, unknown>,
  key: string,
  where: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = t[key] ?? fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`${where}${key}`, `must be one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** An integer setting within [min, max]. */
export function integer(
  t: Record<string, unknown>,
  key: string,
  where: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const raw = t[key] ?? fallback;
  const value = typeof raw === "bigint" ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${where}${key}`, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A list of strings (empty when absent). */
export function stringList(t: Record<string, unknown>, key: string, where: string): string[] {
  const value = t[key] ?? [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new InvalidArgumentError(`${where}${key}`, "must be a list of strings");
  }
  return value;
}

/** An absolute path setting. */
export function absolutePath(
  t: Record<string, unknown>,
  key: string,
  where: string,
  fallback: string,
): string {
  const value = t[key] ?? fallback;
  if (typeof value !== "string" || !value.startsWith("/") || value.includes("\0")) {
    throw new InvalidArgumentError(`${where}${key}`, "must be an absolute path");
  }
  return value;
}

/** A Unix group name, as groupadd takes it. */
export function unixGroup(
  t: Record<string, unknown>,
  key: string,
  where: string,
  fallback: string,
): string {
  const value = t[key] ?? fallback;
  if (typeof value !== "string" || !/^[a-z_][a-z0-9_-]{0,31}$/.test(value)) {
    throw new InvalidArgumentError(`${where}${key}`, "must be a group name");
  }
  return value;
}

/** Refuses a key of `t` that is not a setting (a typo would otherwise be silently ignored). */
export function onlyKeys(t: Record<string, unknown>, allowed: readonly string[], where: string) {
  for (const key of Object.keys(t)) {
    if (!allowed.includes(key)) {
      throw new InvalidArgumentError(
        `${where}${key}`,
        `is not a setting here (known: ${allowed.join(", ")})`,
      );
    }
  }
}
