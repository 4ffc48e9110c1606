import { InvalidArgumentError } from "../../lib/errors/mod.ts";

/** How to authenticate to one registry. */
export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker's "identitytoken"). */
  identityToken?: string;
}

/**
 * Reads a Docker-style credentials file: `{"auths": {"host": {"auth": base64(user:pass)}
 * | {"username", "password"} | {"identitytoken"}}}`. Missing file = no credentials.
 */
export function loadCredentials(path: string): Map<string, Credential> {
  let doc: { auths?: Record<string, Record<string, string>> };
  try {
    doc = JSON.parse(Deno.readTextFileSync(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return new Map();
    throw new InvalidArgumentError(path, `not a valid credentials file: ${(e as Error).message}`);
  }
  const out = new Map<string, Credential>();
  for (const [host, entry] of Object.entries(doc.auths ?? {})) {
    const key = host.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    if (entry.identitytoken) {
      out.set(key, { identityToken: entry.identitytoken });
    } else if (entry.auth) {
      const decoded = atob(entry.auth);
      const colon = decoded.indexOf(":");
      if (colon < 0) {
        throw new InvalidArgumentError(
          `${path}: auths.${host}.auth`,
          "must be base64(user:password)",
        );
      }
      out.set(key, { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) });
    } else if (entry.username !== undefined) {
      out.set(key, { username: entry.username, password: entry.password ?? "" });
    }
  }
  return out;
}
