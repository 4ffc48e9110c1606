import { lchownSync, lutimesSync } from "node:fs";
import { join } from "node:path";
import { runTool } from "../../lib/tools/mod.ts";
import type { SpecialEntry } from "../unpack/rootfs_writer.ts";
import { pseudoDefinitions } from "./pseudo_file.ts";

export type PackFormatName = "squashfs" | "erofs";

export interface PackOptions {
  /** mksquashfs -comp value. */
  squashfsCompression: string;
}

/**
 * mkfs.erofs has no pseudo definitions: create the special entries for real
 * with ln(1) and mknod(1) (Deno may not create symlinks under scoped grants).
 */
async function materialize(
  rootfs: string,
  specials: ReadonlyMap<string, SpecialEntry>,
): Promise<void> {
  for (const [logical, e] of specials) {
    const path = join(rootfs, logical);
    if (e.type === "symlink") await runTool("ln", ["-s", "--", e.target, path]);
    else if (e.type === "fifo") await runTool("mknod", [path, "p"]);
    else {await runTool("mknod", [
        path,
        e.type === "char" ? "c" : "b",
        String(e.devmajor),
        String(e.devminor),
      ]);}
    lchownSync(path, e.uid, e.gid);
    if (e.type !== "symlink") Deno.chmodSync(path, e.mode);
    lutimesSync(path, e.mtime, e.mtime);
  }
}

/**
 * Packs a root directory plus its special entries into a read-only image
 * file, written to `out` via a temporary name so a crash never leaves a
 * truncated image in place. Returns the file's size.
 */
export async function packRootfs(
  rootfs: string,
  specials: ReadonlyMap<string, SpecialEntry>,
  out: string,
  format: PackFormatName,
  options: PackOptions,
): Promise<number> {
  const partial = `${out}.partial`;
  const pseudo = `${out}.pseudo`;
  try {
    if (format === "squashfs") {
      Deno.writeTextFileSync(pseudo, pseudoDefinitions(specials));
      await runTool("mksquashfs", [
        rootfs,
        partial,
        "-pf",
        pseudo,
        "-noappend",
        "-no-progress",
        "-quiet",
        "-comp",
        options.squashfsCompression,
        "-xattrs",
      ]);
    } else {
      await materialize(rootfs, specials);
      await runTool("mkfs.erofs", [partial, rootfs]);
    }
    Deno.renameSync(partial, out);
  } finally {
    for (const leftover of [partial, pseudo]) {
      try {
        Deno.removeSync(leftover);
      } catch { /* not there */ }
    }
  }
  Deno.chmodSync(out, 0o444);
  return Deno.statSync(out).size;
}
