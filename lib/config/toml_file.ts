import { dirname } from "node:path";
import { parse, TomlError } from "smol-toml";
import { InvalidArgumentError } from "../errors/mod.ts";

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Refuses a key of `doc` that `defaults` (the documented default file, which lists every
 * setting) does not have, so a misspelt setting is never silently ignored. Under a path in
 * `freeForm` (e.g. "registries.mirrors", keyed by host) anything goes.
 */
export function unknownSetting(
  doc: Table,
  defaults: Table,
  freeForm: readonly string[] = [],
  prefix = "",
): string | undefined {
  for (const [key, value] of Object.entries(doc)) {
    const path = prefix + key;
    if (freeForm.includes(path)) continue;
    if (!(key in defaults)) {
      const known = Object.keys(defaults).filter((k) => !freeForm.includes(prefix + k));
      return `${path}: is not a setting${known.length ? ` (known here: ${known.join(", ")})` : ""}`;
    }
    if (isTable(value) && isTable(defaults[key])) {
      const problem = unknownSetting(value, defaults[key] as Table, freeForm, `${path}.`);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * Reads a TOML config file; if it does not exist, writes `defaultText` there
 * first so operators find every setting documented on disk. A key the default text does not
 * have (a typo) is refused, naming it; `freeForm` paths take any keys.
 */
export function loadOrCreateToml(
  path: string,
  defaultText: string,
  freeForm: readonly string[] = [],
): Record<string, unknown> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    // Only create the directory when missing: a program may write its own
    // file there without holding write access to the directory itself.
    try {
      Deno.statSync(dirname(path));
    } catch {
      Deno.mkdirSync(dirname(path), { recursive: true });
    }
    Deno.writeTextFileSync(path, defaultText, { createNew: true, mode: 0o640 });
    text = defaultText;
  }
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    const where = e instanceof TomlError ? ` (line ${e.line}, column ${e.column})` : "";
    throw new InvalidArgumentError(path, `not valid TOML${where}: ${(e as Error).message}`);
  }
  const problem = unknownSetting(doc, parse(defaultText) as Table, freeForm);
  if (problem) throw new InvalidArgumentError(path, problem);
  return doc;
}
