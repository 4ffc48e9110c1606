import { CliError } from "../cli/exit_codes.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";

/**
 * The helper that owns QEMU and the lab image (tools/machine/machine.sh), which
 * `./denow task bundle` writes next to the bundled CLI. No node: import here
 * (the CLI stays free of Node compat), so the path comes from the URL by hand.
 */
const HELPER = decodeURIComponent(new URL("./protect-machine", import.meta.url).pathname);

/**
 * Runs the machine helper with our terminal. The bundled CLI's grant allows
 * running this one program and nothing else: the helper needs root, QEMU and
 * debootstrap, which the CLI itself must never touch.
 */
async function helper(args: string[]): Promise<never> {
  let status: Deno.CommandStatus;
  try {
    status = await new Deno.Command(HELPER, { args, stdin: "inherit" }).spawn().status;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotCapable) {
      throw new CliError(
        "protect machine needs the bundled CLI and its helper: `./denow task bundle`, then " +
          "dist/protect machine … (or run tools/machine/machine.sh directly)",
      );
    }
    throw e;
  }
  Deno.exit(status.code);
}

export const machineCommand: CommandSpec = {
  name: "machine",
  summary: "a local Xen host in QEMU for machines without Xen (like podman machine)",
  commands: [
    {
      name: "start",
      summary: "boot Xen + dom0 with the daemons inside; this CLI then talks to them",
      options: [{
        long: "memory",
        value: "MiB",
        description: "RAM for the machine (default 6144)",
      }],
      run: ({ options }) =>
        helper(["start", ...(options.memory ? ["--memory", String(options.memory)] : [])]),
    },
    { name: "stop", summary: "power the machine off cleanly", run: () => helper(["stop"]) },
    {
      name: "status",
      summary: "running, starting or stopped, and the host status inside",
      run: () => helper(["status"]),
    },
    {
      name: "logs",
      summary: "the machine's console and daemon log",
      options: [{ long: "follow", short: "f", description: "keep printing new lines" }],
      run: ({ options }) => helper(["logs", ...(options.follow ? ["-f"] : [])]),
    },
  ],
};
