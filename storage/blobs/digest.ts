import { InvalidArgumentError } from "../../lib/errors/mod.ts";

const SHA256 = /^sha256:([a-f0-9]{64})$/;

/** The hex part of a sha256 digest; refuses anything else (other algorithms too). */
export function digestHex(digest: string, field = "digest"): string {
  const match = SHA256.exec(digest);
  if (!match) {
    throw new InvalidArgumentError(field, `"${digest.slice(0, 80)}" is not a sha256 digest`);
  }
  return match[1];
}
