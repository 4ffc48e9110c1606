import { toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type Volume, VolumeSchema } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { type Column, render } from "../cli/output.ts";
import { parsePositiveInt } from "../cli/parse.ts";
import { human } from "../cli/progress_view.ts";

const COLUMNS: Column<Volume>[] = [
  { header: "NAME", cell: (v) => v.name },
  { header: "SIZE", cell: (v) => human(v.sizeBytes) },
  { header: "ON", cell: (v) => v.blockDevice ? v.path : "file" },
  { header: "ZONE", cell: (v) => v.zoneId || "-" },
  { header: "WORKLOADS", cell: (v) => v.workloadIds.join(",") || "-" },
  {
    header: "CREATED",
    cell: (v) => v.createdAt ? timestampDate(v.createdAt).toISOString() : "",
  },
];
const asJson = (v: Volume) => toJson(VolumeSchema, v);

export const volumeCommand: CommandSpec = {
  name: "volume",
  summary: "named ext4 volumes that outlive zones (workload launch -v NAME:/path[:ro])",
  commands: [
    {
      name: "create",
      summary: "create a volume: a sparse file, or an existing block device (--device)",
      args: [{ name: "name", description: "1-63 of [a-z0-9_.-]" }],
      options: [
        {
          long: "size",
          value: "MiB",
          description: "size of the file (not with --device)",
          parse: parsePositiveInt,
        },
        {
          long: "device",
          value: "path",
          description:
            "use this block device: formatted if it holds no file system, kept if it holds ext4",
        },
      ],
      async run({ args: [name], options }) {
        const { client, output } = daemonFor(options);
        const device = (options.device as string) ?? "";
        const sizeMib = BigInt((options.size as number) ?? (device ? 0 : 1024));
        const { volume } = await client.createVolume({ name, sizeMib, device });
        if (output === "table") {
          console.log(
            `created volume ${volume!.name} (${human(volume!.sizeBytes)}) ${volume!.path}`,
          );
        } else console.log(await render(output, [volume!], asJson, COLUMNS, false));
      },
    },
    {
      name: "list",
      aliases: ["ls"],
      summary: "list volumes and the zone and workloads using each",
      async run({ options }) {
        const { client, output } = daemonFor(options);
        const { volumes } = await client.listVolumes({});
        console.log(await render(output, volumes, asJson, COLUMNS));
      },
    },
    {
      name: "remove",
      aliases: ["rm"],
      summary: "remove a volume and its data (a block device is only forgotten, not wiped)",
      args: [{ name: "name", description: "volume name" }],
      async run({ args: [name], options }) {
        const { client } = daemonFor(options);
        await client.removeVolume({ name });
        console.log(`removed volume ${name}`);
      },
    },
  ],
};
