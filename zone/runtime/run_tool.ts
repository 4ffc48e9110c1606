/**
 * Runs a tool in the zone (mount, umount, the OCI runtime) and throws with the last line
 * of its stderr when it fails. The zone bundle cannot use lib/tools (no node: modules).
 */
export async function run(tool: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(tool, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(
      `${tool} ${args[0]}: ${new TextDecoder().decode(out.stderr).trim().split("\n").pop()}`,
    );
  }
}
