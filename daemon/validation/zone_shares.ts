import { normalize, sep } from "node:path";
import type { ZoneShare } from "../../proto/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";

/** 9pfs devices per domain: each is a QEMU export; a pod needs one. */
export const MAX_ZONE_SHARES = 8;

/** True when `path` is `dir` or lies under it (both resolved or both by name). */
export function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir + sep);
}

/**
 * Checks a zone's shares against the host: each an existing directory that lies inside
 * one of `roots`, by name and once symlinks are resolved, and none twice. Changes nothing.
 */
export function checkZoneShares(shares: readonly ZoneShare[], roots: readonly string[]): void {
  if (shares.length > MAX_ZONE_SHARES) {
    throw new InvalidArgumentError("spec.shares", `at most ${MAX_ZONE_SHARES}`);
  }
  const seen = new Set<string>();
  shares.forEach((share, i) => {
    const field = `spec.shares[${i}].host_path`;
    const path = share.hostPath;
    if (
      !path.startsWith("/") || path.length > 4096 || path.includes("\0") ||
      normalize(path) !== path || (path.endsWith("/") && path !== "/")
    ) {
      throw new InvalidArgumentError(field, "must be an absolute, normalised path");
    }
    const outside = () =>
      new InvalidArgumentError(
        field,
        `${path} is not inside a share root (${roots.join(", ")}; daemon.toml [shares] roots)`,
      );
    if (!roots.some((root) => isInside(path, root))) throw outside();
    let real: string;
    try {
      real = Deno.realPathSync(path);
      if (!Deno.statSync(real).isDirectory) throw new Error("not a directory");
    } catch (e) {
      throw new InvalidArgumentError(field, `${path}: ${(e as Error).message}`);
    }
    const realRoots = roots.map((root) => {
      try {
        return Deno.realPathSync(root);
      } catch {
        return root;
      }
    });
    if (!realRoots.some((root) => isInside(real, root))) throw outside();
    if (seen.has(real)) throw new InvalidArgumentError(field, `${path} is shared twice`);
    seen.add(real);
  });
}
