import { runTool } from "../tools/run_tool.ts";

export type PackFormatName = "squashfs" | "erofs";

export interface PackOptions {
  /** mksquashfs -comp value. */
  squashfsCompression: string;
}

/**
 * Packs a root directory into a read-only image file, written to `out` via a
 * temporary name so a crash never leaves a truncated image in place.
 */
export async function packRootfs(
  rootfs: string,
  out: string,
  format: PackFormatName,
  options: PackOptions,
): Promise<number> {
  const partial = `${out}.partial`;
  try {
    if (format === "squashfs") {
      await runTool("mksquashfs", [
        rootfs,
        partial,
        "-noappend",
        "-no-progress",
        "-quiet",
        "-comp",
        options.squashfsCompression,
        "-xattrs",
      ]);
    } else {
      await runTool("mkfs.erofs", ["-q", partial, rootfs]);
    }
    Deno.renameSync(partial, out);
  } catch (e) {
    try {
      Deno.removeSync(partial);
    } catch { /* already gone */ }
    throw e;
  }
  Deno.chmodSync(out, 0o444);
  return Deno.statSync(out).size;
}
