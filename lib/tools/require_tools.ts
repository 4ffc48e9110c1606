import { FailedPreconditionError } from "../errors/mod.ts";
import { packageOf } from "./packages.ts";

/** Tools a program needs and does not find: one line names each tool and its package. */
export class MissingToolError extends FailedPreconditionError {
  constructor(readonly tools: string[]) {
    super(
      `${tools.map(describeMissing).join("; ")} ` +
        `(as root, \`bash tools/deps.sh host\` installs what is missing)`,
    );
  }
}

/** "mksquashfs is not installed (Debian package squashfs-tools)". */
export function describeMissing(tool: string): string {
  const pkg = packageOf(tool);
  return `${tool} is not installed${pkg ? ` (Debian package ${pkg})` : ""}`;
}

/**
 * Whether `tool` can be spawned. It is started with no input and killed at once:
 * Deno resolves PATH itself, so this needs only the program's own run grant, not
 * env or read rights over PATH.
 */
export async function canSpawn(tool: string): Promise<boolean> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tool, { stdin: "null", stdout: "null", stderr: "null" }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  try {
    child.kill("SIGKILL");
  } catch { /* already gone */ }
  await child.status;
  return true;
}

/** The tools of `tools` that cannot be spawned. */
export async function missingTools(tools: readonly string[]): Promise<string[]> {
  const found = await Promise.all(tools.map(canSpawn));
  return tools.filter((_, i) => !found[i]);
}

/**
 * Start-up check of the tools a program spawns: a missing `required` one throws
 * MissingToolError (the program exits with that one line); a missing `optional` one
 * is logged once with what will not work, and fails only when it is used.
 */
export async function checkTools(
  required: readonly string[],
  optional: Record<string, string> = {},
  warn: (message: string) => void = console.error,
): Promise<void> {
  const [missingRequired, missingOptional] = await Promise.all([
    missingTools(required),
    missingTools(Object.keys(optional)),
  ]);
  for (const tool of missingOptional) warn(`${describeMissing(tool)}: ${optional[tool]}`);
  if (missingRequired.length > 0) throw new MissingToolError(missingRequired);
}
