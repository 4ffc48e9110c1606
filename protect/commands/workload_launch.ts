import { ImageFormat } from "../../proto/mod.ts";
import { describeRpcError } from "../cli/client.ts";
import { daemonFor } from "../cli/context.ts";
import { CliError, EXIT, EXIT_NOT_RUN } from "../cli/exit_codes.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { runAttachSession } from "../cli/attach_session.ts";
import {
  parseCpus,
  parseKeyValue,
  parsePositiveInt,
  parseTmpfs,
  parseVolume,
} from "../cli/parse.ts";
import { ENV_OPTION, WORKDIR_OPTION } from "../cli/exec_session.ts";
import { PUBLISH_OPTION, publishedPorts } from "../cli/publish.ts";
import { IMAGE_FORMATS } from "./image.ts";

/** `--env-file FILE`: NAME=value lines; blank lines and # comments are skipped. */
function envFile(path: string): string[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new CliError(`--env-file ${path}: ${(e as Error).message}`, EXIT.usage);
  }
  const env: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    if (!/^[^=\s][^=]*=/.test(line)) {
      throw new CliError(
        `--env-file ${path}:${i + 1}: "${line.slice(0, 60)}" is not NAME=value ` +
          "(taking a value from this environment is not supported)",
        EXIT.usage,
      );
    }
    env.push(line);
  });
  return env;
}

/** `--security-opt seccomp=…` as the API's seccomp_profile: a FILE is sent as its contents. */
function seccompOption(value: string | undefined): string {
  if (value === undefined) return "";
  const m = /^seccomp[=:](.+)$/.exec(value);
  if (!m) {
    throw new CliError(
      `--security-opt "${value}": only seccomp=default|unconfined|FILE is supported`,
      EXIT.usage,
    );
  }
  if (m[1] === "default" || m[1] === "unconfined") return m[1];
  try {
    return Deno.readTextFileSync(m[1]);
  } catch (e) {
    throw new CliError(`--security-opt seccomp=${m[1]}: ${(e as Error).message}`, EXIT.usage);
  }
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
    {
      long: "cpus",
      value: "n",
      description: "CPU quota, e.g. 0.5 (the workload's cgroup cpu.max)",
      parse: parseCpus,
    },
    {
      long: "security-opt",
      value: "seccomp=P",
      description:
        "seccomp=default (Docker-like, the default), seccomp=unconfined or seccomp=FILE " +
        "(an OCI linux.seccomp JSON document)",
    },
    {
      long: "volume",
      short: "v",
      value: "SRC:/path[:ro]",
      description: "a named volume (protect volume create; shared live, writable unless :ro), " +
        "or a host directory or file under /var/lib/protect/mounts, copied in at start " +
        "(read-only, 64 MiB at most)",
      repeatable: true,
      parse: parseVolume,
    },
    {
      long: "tmpfs",
      value: "/path[:ro]",
      description: "mount a tmpfs in the workload",
      repeatable: true,
      parse: parseTmpfs,
    },
    PUBLISH_OPTION,
    { long: "tty", short: "t", description: "give the workload a terminal (with -i: interactive)" },
    {
      long: "interactive",
      short: "i",
      description: "keep its stdin open and attach ours (Ctrl-P Ctrl-Q detaches with -t)",
    },
    { long: "detach", short: "d", description: "print the workload ID and return" },
    {
      long: "entrypoint",
      value: "cmd",
      description: 'replace the image\'s ENTRYPOINT (its CMD is then not used; "" clears it)',
    },
    {
      long: "env-file",
      value: "file",
      description: "NAME=value lines (before -e)",
      repeatable: true,
    },
    { long: "rm", description: "remove the workload once it has ended" },
    {
      long: "label",
      short: "l",
      value: "key=value",
      description: "a label, for `workload list -l`",
      repeatable: true,
      parse: parseKeyValue,
    },
    { long: "no-start", description: "only create it (CREATED); `workload start` runs it later" },
    {
      long: "image-format",
      value: "format",
      description: "how the image is packed for the zone (default: daemon.toml [images] format)",
      choices: Object.keys(IMAGE_FORMATS),
    },
  ],
  async run({ args: [image, ...command], options: o }) {
    const seccompProfile = seccompOption(o["security-opt"] as string | undefined);
    const { client, socket } = daemonFor(o);
    const attached = !o.detach && !o["no-start"];
    const { workloadId } = await client.createWorkload({
      // Attached: created, then started once our attach is in place, so no output is missed.
      start: !o["no-start"] && !attached,
      spec: {
        zone: o.zone as string,
        name: (o.name as string) ?? "",
        image,
        process: {
          args: command,
          // Files first: -e wins over --env-file for the same name, as in Docker.
          env: [...(o["env-file"] as string[]).flatMap(envFile), ...(o.env as string[])],
          entrypoint: o.entrypoint ? [o.entrypoint as string] : [],
          clearEntrypoint: o.entrypoint === "",
          workingDirectory: (o.workdir as string) ?? "",
          user: (o.user as string) ?? "",
          tty: o.tty === true,
          stdin: o.interactive === true,
        },
        security: {
          privileged: o.privileged === true,
          readOnlyRootFilesystem: o["read-only"] === true,
          addCapabilities: o["cap-add"] as string[],
          dropCapabilities: o["cap-drop"] as string[],
          seccompProfile,
        },
        mounts: [
          ...(o.volume as Array<ReturnType<typeof parseVolume>>),
          ...(o.tmpfs as Array<{ destination: string; readOnly: boolean }>).map((t) => ({
            type: "tmpfs",
            ...t,
          })),
        ],
        resources: {
          memoryLimitBytes: BigInt((o.memory as number | undefined) ?? 0) * 1024n * 1024n,
          pidsLimit: (o["pids-limit"] as number | undefined) ?? 0,
          cpuMillis: (o.cpus as number | undefined) ?? 0,
        },
        publish: publishedPorts(o.publish as string[]),
        autoRemove: o.rm === true,
        labels: Object.fromEntries(o.label as Array<[string, string]>),
        imageFormat: o["image-format"]
          ? IMAGE_FORMATS[o["image-format"] as keyof typeof IMAGE_FORMATS]
          : ImageFormat.UNSPECIFIED,
      },
    }).catch((e) => {
      // As `docker run`: a workload that could not be created never ran (125).
      const error = describeRpcError(e, socket);
      throw error.exitCode === EXIT.failed ? new CliError(error.message, EXIT_NOT_RUN) : error;
    });
    if (o.detach || o["no-start"]) {
      console.log(workloadId);
      return;
    }
    await runAttachSession(client, workloadId, {
      tty: o.tty === true,
      stdin: o.interactive === true,
      replay: true,
      name: (o.name as string) ?? workloadId,
      start: async () => {
        await client.startWorkload({ workloadId }).catch((e) => {
          const error = describeRpcError(e, socket);
          throw error.exitCode === EXIT.failed ? new CliError(error.message, EXIT_NOT_RUN) : error;
        });
      },
    });
  },
};
