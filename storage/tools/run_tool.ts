import { InternalError } from "../../lib/errors/mod.ts";
/** A failed external tool: the message carries its stderr, trimmed. */
export class ToolError extends InternalError {}

/**
 * Runs one of the external tools the storage daemon is allowed to run
 * (mksquashfs, mkfs.erofs, mkfs.ext4, mknod, setfattr) and throws ToolError
 * with its stderr on failure.
 */
export async function runTool(tool: string, args: string[], stdin?: Uint8Array): Promise<string> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tool, {
      args,
      stdin: stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ToolError(`${tool} is not installed (Debian: see README's package list)`);
    }
    throw e;
  }
  if (stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin);
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  if (!out.success) {
    const stderr = decoder.decode(out.stderr).trim().split("\n").slice(-5).join(" | ");
    throw new ToolError(`${tool} failed (exit ${out.code}): ${stderr}`);
  }
  return decoder.decode(out.stdout);
}
