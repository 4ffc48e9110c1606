import { dirname } from "node:path";

/** The host's stable identity: read from `path`, created on first start. */
export function loadOrCreateHostUuid(path: string): string {
  try {
    const text = Deno.readTextFileSync(path).trim();
    if (/^[0-9a-f-]{36}$/.test(text)) return text;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const uuid = crypto.randomUUID();
  Deno.mkdirSync(dirname(path), { recursive: true });
  Deno.writeTextFileSync(path, uuid + "\n", { mode: 0o644 });
  return uuid;
}
