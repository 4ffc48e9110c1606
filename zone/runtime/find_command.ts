/**
 * Finds a workload's command inside its root filesystem before the runtime is asked
 * to run it, so a missing or non-executable command gives Docker's exit codes (127,
 * 126) and a plain message instead of the runtime's own text. Symlinks are followed
 * inside the root: an absolute link target means the image's /, never the zone's.
 */

/** Joins path parts with "/" (no node:path: the zone agent keeps Deno's Node layer out). */
const join = (...parts: string[]) => parts.join("/").replace(/\/+/g, "/");

export interface CommandProblem {
  /** 127: not found; 126: found but cannot be executed. */
  code: 126 | 127;
  message: string;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const MAX_LINKS = 40;

/** lstat-walks `path` (absolute, in the image) inside `root`; the final entry's info, if any. */
export function statInRoot(root: string, path: string): Deno.FileInfo | undefined {
  const pending = path.split("/").filter(Boolean);
  const at: string[] = [];
  let links = 0;
  let info: Deno.FileInfo | undefined = Deno.statSync(root);
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      at.pop();
      continue;
    }
    try {
      info = Deno.lstatSync(join(root, ...at, part));
    } catch {
      return undefined;
    }
    if (!info.isSymlink) {
      at.push(part);
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    const target = Deno.readLinkSync(join(root, ...at, part));
    if (target.startsWith("/")) at.length = 0;
    pending.unshift(...target.split("/").filter(Boolean));
  }
  return info;
}

/** Why `args[0]` cannot run in `root`, or undefined when it can. */
export function commandProblem(
  root: string,
  args: readonly string[],
  env: readonly string[],
  cwd: string,
): CommandProblem | undefined {
  const command = args[0] ?? "";
  const candidates = command.includes("/")
    ? [command.startsWith("/") ? command : join(cwd || "/", command)]
    : (env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH)
      .split(":").filter((d) => d.startsWith("/")).map((d) => join(d, command));
  let denied: string | undefined;
  for (const candidate of candidates) {
    const info = statInRoot(root, candidate);
    if (!info) continue;
    if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return undefined;
    denied ??= candidate;
  }
  if (denied) {
    return { code: 126, message: `${denied}: permission denied (not an executable file)` };
  }
  return {
    code: 127,
    message: command.includes("/")
      ? `${command}: no such file or directory`
      : `${command}: command not found in $PATH`,
  };
}
