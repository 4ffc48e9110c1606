import { UsageError } from "./framework/mod.ts";

/** Flag parser for counts and sizes. */
export function parsePositiveInt(value: string, flag: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) {
    throw new UsageError(`${flag} "${value}" is not a positive whole number`, "");
  }
  return Number(value);
}

/** Splits `key=value`; `flag` names the option in the error. */
export function parseKeyValue(text: string, flag: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new UsageError(`${flag} "${text}" must look like key=value`, "");
  return [text.slice(0, at), text.slice(at + 1)];
}
