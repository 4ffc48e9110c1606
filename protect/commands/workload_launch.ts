import { WorkloadState } from "../../proto/mod.ts";
import type { ControlClient } from "../cli/client.ts";
import { daemonFor } from "../cli/context.ts";
import { CliError, EXIT, EXIT_NOT_RUN } from "../cli/exit_codes.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { parsePositiveInt } from "../cli/parse.ts";
import { ENV_OPTION, WORKDIR_OPTION } from "../cli/exec_session.ts";
import { PUBLISH_OPTION, publishedPorts } from "../cli/publish.ts";

const encoder = new TextEncoder();

/** Copies a workload's output to ours until it ends; returns its exit code. */
export async function followWorkload(client: ControlClient, workloadId: string): Promise<number> {
  for await (const chunk of client.readWorkloadLogs({ workloadId, follow: true })) {
    if (chunk.stdout.length) await Deno.stdout.write(chunk.stdout);
    if (chunk.stderr.length) await Deno.stderr.write(chunk.stderr);
  }
  const { workload } = await client.getWorkload({ workloadId });
  const status = workload?.status;
  if (status?.state === WorkloadState.FAILED) {
    throw new CliError(`workload ${workload?.spec?.name} FAILED: ${status.error}`, EXIT_NOT_RUN);
  }
  if (status?.state !== WorkloadState.COMPLETED) {
    Deno.stderr.writeSync(encoder.encode(`workload is ${WorkloadState[status?.state ?? 0]}\n`));
    return EXIT.failed;
  }
  return status.exitCode;
}

export const workloadLaunchCommand: CommandSpec = {
  name: "launch",
  summary: "run an image in a zone; by default stays attached and exits with the workload's code",
  args: [
    { name: "image", description: "image reference (pulled if not present)" },
    {
      name: "command",
      description: "command and arguments (replace the image's CMD)",
      variadic: true,
    },
  ],
  options: [
    {
      long: "zone",
      short: "z",
      value: "zone",
      description: "zone to run in (name or ID)",
      required: true,
    },
    {
      long: "name",
      short: "n",
      value: "name",
      description: "workload name (DNS label; default generated)",
    },
    ENV_OPTION,
    WORKDIR_OPTION,
    { long: "user", short: "u", value: "uid[:gid]", description: "user to run as" },
    { long: "privileged", description: "all capabilities, no masked paths" },
    { long: "read-only", description: "read-only root filesystem" },
    { long: "cap-add", value: "cap", description: "add a capability", repeatable: true },
    { long: "cap-drop", value: "cap", description: "drop a capability", repeatable: true },
    {
      long: "memory",
      short: "m",
      value: "MiB",
      description: "memory limit",
      parse: parsePositiveInt,
    },
    { long: "pids-limit", value: "n", description: "process limit", parse: parsePositiveInt },
    PUBLISH_OPTION,
    { long: "detach", short: "d", description: "print the workload ID and return" },
    { long: "no-start", description: "only create it (CREATED); `workload start` runs it later" },
  ],
  async run({ args: [image, ...command], options: o }) {
    const { client } = daemonFor(o);
    const { workloadId } = await client.createWorkload({
      start: o["no-start"] !== true,
      spec: {
        zone: o.zone as string,
        name: (o.name as string) ?? "",
        image,
        process: {
          args: command,
          env: o.env as string[],
          workingDirectory: (o.workdir as string) ?? "",
          user: (o.user as string) ?? "",
        },
        security: {
          privileged: o.privileged === true,
          readOnlyRootFilesystem: o["read-only"] === true,
          addCapabilities: o["cap-add"] as string[],
          dropCapabilities: o["cap-drop"] as string[],
        },
        resources: {
          memoryLimitBytes: BigInt((o.memory as number | undefined) ?? 0) * 1024n * 1024n,
          pidsLimit: (o["pids-limit"] as number | undefined) ?? 0,
        },
        publish: publishedPorts(o.publish as string[]),
      },
    });
    if (o.detach || o["no-start"]) {
      console.log(workloadId);
      return;
    }
    const code = await followWorkload(client, workloadId);
    if (code !== 0) throw new CliError("", code);
  },
};
