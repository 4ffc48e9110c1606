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
  const command = new Deno.Command(tool, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  let out: Deno.CommandOutput;
  try {
    // Measured on Deno 2.9.3 (after a forced GC): spawn() + a stdin writer + output() kept
    // about 80 KiB per run in a long-lived daemon, output() alone and a piped stream far
    // less. protect-network runs several tools per zone, so this is where it grew.
    if (stdin === undefined) {
      out = await command.output();
    } else {
      const child = command.spawn();
      const bytes = typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin;
      await ReadableStream.from([bytes]).pipeTo(child.stdin);
      out = await child.output();
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ToolError(describeMissing(tool));
    }
    throw e;
  }
  const decoder = new TextDecoder();
  if (!out.success) {
    const stderr = decoder.decode(out.stderr);
    const tail = stderr.trim().split("\n").slice(-5).join(" | ") || "no output";
    const command = [tool, ...args].join(" ").slice(0, 200);
    throw new ToolError(`${command} failed (exit ${out.code}): ${tail}`, stderr);
  }
  return decoder.decode(out.stdout);
}
