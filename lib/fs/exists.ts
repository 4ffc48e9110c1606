/** Whether anything exists at `path` (a dangling symlink does not count). */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
