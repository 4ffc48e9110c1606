import { dirname } from "node:path";
import { parse, TomlError } from "smol-toml";
import { InvalidArgumentError } from "../errors/mod.ts";

/**
 * Reads a TOML config file; if it does not exist, writes `defaultText` there
 * first so operators find every setting documented on disk.
 */
export function loadOrCreateToml(path: string, defaultText: string): Record<string, unknown> {
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
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    const where = e instanceof TomlError ? ` (line ${e.line}, column ${e.column})` : "";
    throw new InvalidArgumentError(path, `not valid TOML${where}: ${(e as Error).message}`);
  }
}
