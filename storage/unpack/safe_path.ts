import { TarFormatError } from "./tar_reader.ts";

/**
 * Splits a member path into clean components, refusing absolute paths and
 * `..` anywhere. "./a//b/" → ["a", "b"]; "./" → [].
 */
export function cleanMemberPath(path: string, entry = path, what = "path"): string[] {
  let p = path;
  while (p.startsWith("./")) p = p.slice(2);
  if (p.startsWith("/")) throw new TarFormatError(`absolute ${what} refused`, entry);
  const parts = p.split("/").filter((c) => c !== "" && c !== ".");
  if (parts.includes("..")) {
    throw new TarFormatError(`${what} traversal ('..') refused`, entry);
  }
  return parts;
}

/**
 * Resolves a symlink target lexically against the link's own directory
 * (absolute targets count from the image root, as inside the zone). Returns
 * the components, or undefined when `..` would climb above the root.
 */
export function resolveLinkTarget(linkDir: string[], target: string): string[] | undefined {
  const out = target.startsWith("/") ? [] : [...linkDir];
  for (const c of target.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(c);
    }
  }
  return out;
}
