import { InternalError } from "../../lib/errors/mod.ts";

/** Runs ip(8), nft(8) or sysctl(8) with argv (never a shell); returns stdout, or throws with stderr. */
export async function runTool(tool: string, args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command(tool, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  const text = new TextDecoder();
  if (!out.success) {
    const why = text.decode(out.stderr).trim() || `exit code ${out.code}`;
    throw new ToolError(`${tool} ${args.join(" ")} failed: ${why}`, text.decode(out.stderr));
  }
  return text.decode(out.stdout);
}

/** A network tool refused a change; `stderr` is kept so callers can tell "exists" from real failures. */
export class ToolError extends InternalError {
  constructor(message: string, readonly stderr: string) {
    super(message);
  }
}
