import type { SpecialEntry } from "../unpack/rootfs_writer.ts";

/** Quotes a path for a mksquashfs pseudo definition. */
function quote(path: string): string {
  return `"${path.replace(/(["\\])/g, "\\$1")}"`;
}

const octal = (mode: number) => mode.toString(8).padStart(4, "0");

/**
 * mksquashfs pseudo definitions for the special entries (symlinks with `S`,
 * devices with `C`/`B`, FIFOs with `I`), with their times and owners.
 */
export function pseudoDefinitions(specials: ReadonlyMap<string, SpecialEntry>): string {
  const lines: string[] = [];
  for (const [path, e] of specials) {
    const head = `${quote(path)} `;
    const meta = `${e.mtime} ${octal(e.mode)} ${e.uid} ${e.gid}`;
    switch (e.type) {
      case "symlink":
        lines.push(`${head}S ${meta} ${e.target}`);
        break;
      case "char":
        lines.push(`${head}C ${meta} ${e.devmajor} ${e.devminor}`);
        break;
      case "block":
        lines.push(`${head}B ${meta} ${e.devmajor} ${e.devminor}`);
        break;
      case "fifo":
        lines.push(`${head}I ${meta} f`);
        break;
    }
  }
  return lines.join("\n") + "\n";
}
