import { runTool } from "../../lib/tools/mod.ts";

/**
 * Makes `path` a sparse file of `sizeMib` holding an empty ext4 file system labelled
 * `label`, owned by root. Written under a `.partial` name and renamed, so a crash never
 * leaves a half-made file under the real name.
 */
export async function createExt4File(path: string, sizeMib: number, label: string): Promise<void> {
  const partial = `${path}.partial`;
  try {
    using file = Deno.openSync(partial, { write: true, create: true, truncate: true, mode: 0o600 });
    file.truncateSync(sizeMib * 1024 * 1024);
    await runTool("mkfs.ext4", ["-q", "-F", "-E", "root_owner=0:0", "-L", label, partial]);
    Deno.renameSync(partial, path);
  } catch (e) {
    try {
      Deno.removeSync(partial);
    } catch { /* not created */ }
    throw e;
  }
}
