import { InternalError } from "../errors/mod.ts";
import { describeMissing } from "./require_tools.ts";

/** A failed external tool. `stderr` is kept whole, so callers can tell "already gone" from real failures. */
export class ToolError extends InternalError {
  constructor(message: string, readonly stderr = "") {
    super(message);
  }
}

/**
 * Runs an external tool with argv (never a shell), optionally feeding it
 * `stdin`, and returns its stdout. Throws ToolError naming the tool and the
 * tail of its stderr when it fails, or saying so when it is not installed.
 */
export async function runTool(
  tool: string,
  args: string[],
  stdin?: string | Uint8Array,
): Promise<string> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tool, {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ToolError(describeMissing(tool));
    }
    throw e;
  }
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin);
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  if (!out.success) {
    const stderr = decoder.decode(out.stderr);
    const tail = stderr.trim().split("\n").slice(-5).join(" | ") || "no output";
    const command = [tool, ...args].join(" ").slice(0, 200);
    throw new ToolError(`${command} failed (exit ${out.code}): ${tail}`, stderr);
  }
  return decoder.decode(out.stdout);
}
