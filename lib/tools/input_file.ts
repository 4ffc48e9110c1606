/**
 * Writes `text` to a private file in `dir`, runs `use` with its path, then removes it: a
 * tool's input as a file (`ip -batch FILE`, `nft -f FILE`) rather than a stdin pipe, which
 * on Deno 2.9.3 kept about 85 KiB per run in a long-lived process (3,000 runs: +250 MB).
 */
export async function withInputFile<T>(
  dir: string,
  text: string,
  use: (path: string) => Promise<T>,
): Promise<T> {
  // No node:path: the zone agent imports lib/tools, and its bundle stays free of Node compat.
  const path = `${dir}/.input-${crypto.randomUUID()}`;
  Deno.writeTextFileSync(path, text, { mode: 0o600, createNew: true });
  try {
    return await use(path);
  } finally {
    Deno.removeSync(path);
  }
}
