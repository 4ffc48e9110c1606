import { toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type Image, ImageFormat, ImageSchema } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import { CliError } from "../cli/exit_codes.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { type Column, render } from "../cli/output.ts";
import { human, PullProgressView } from "../cli/progress_view.ts";

/** The image file formats, by their CLI names. */
export const IMAGE_FORMATS = { squashfs: ImageFormat.SQUASHFS, erofs: ImageFormat.EROFS };

const COLUMNS: Column<Image>[] = [
  { header: "REFERENCE", cell: (i) => i.reference },
  { header: "DIGEST", cell: (i) => i.manifestDigest.slice(7, 19) },
  { header: "FORMAT", cell: (i) => ImageFormat[i.format].toLowerCase() },
  { header: "SIZE", cell: (i) => human(i.sizeBytes) },
  { header: "PLATFORM", cell: (i) => i.platform },
  { header: "PULLED", cell: (i) => i.pulledAt ? timestampDate(i.pulledAt).toISOString() : "" },
];
const asJson = (i: Image) => toJson(ImageSchema, i);

export const imageCommand: CommandSpec = {
  name: "image",
  summary: "OCI images: pull from registries, import archives, list, remove",
  commands: [
    {
      name: "pull",
      summary: "pull an image and pack it for zones (progress on stderr)",
      args: [{
        name: "reference",
        description: "e.g. busybox, 127.0.0.1:5000/app:1, repo@sha256:…",
      }],
      options: [
        {
          long: "format",
          value: "format",
          description: "image file format",
          choices: Object.keys(IMAGE_FORMATS),
          default: "squashfs",
        },
        {
          long: "platform",
          value: "os/arch",
          description: "platform to pick from a multi-arch index",
          default: "linux/amd64",
        },
        { long: "username", short: "u", value: "user", description: "registry user for this pull" },
        { long: "password-stdin", description: "read the registry password from stdin" },
      ],
      async run({ args: [reference], options }) {
        const { client, output } = daemonFor(options);
        let password = "";
        if (options["password-stdin"]) {
          password = (await new Response(Deno.stdin.readable).text()).replace(/\r?\n$/, "");
        }
        const view = new PullProgressView();
        let image: Image | undefined;
        for await (
          const m of client.pullImage({
            reference,
            format: IMAGE_FORMATS[options.format as keyof typeof IMAGE_FORMATS],
            platform: options.platform as string,
            username: (options.username as string) ?? "",
            password,
          })
        ) {
          view.update(m);
          if (m.image) image = m.image;
        }
        if (!image) throw new CliError("the pull ended without an image");
        if (output === "table") {
          console.log(`pulled ${image.reference} (${image.manifestDigest}) ${image.path}`);
        } else {
          console.log(await render(output, [image], asJson, COLUMNS, false));
        }
      },
    },
    {
      name: "import",
      summary:
        "import an OCI image layout tar or a `docker save` tar (for hosts without registry access)",
      args: [{
        name: "file",
        description: "archive path (gzip/zstd compressed is fine), or - for stdin",
      }],
      options: [
        {
          long: "reference",
          short: "r",
          value: "ref",
          description: "name to give it (default: the name inside the archive)",
        },
        {
          long: "format",
          value: "format",
          description: "image file format",
          choices: Object.keys(IMAGE_FORMATS),
          default: "squashfs",
        },
      ],
      async run({ args: [file], options }) {
        const { client, output } = daemonFor(options);
        const source = file === "-" ? Deno.stdin : await Deno.open(file).catch((e) => {
          throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
        });
        const requests = (async function* () {
          yield {
            reference: (options.reference as string) ?? "",
            format: IMAGE_FORMATS[options.format as keyof typeof IMAGE_FORMATS],
          };
          for await (const chunk of source.readable) yield { chunk };
        })();
        const { image } = await client.importImage(requests);
        if (!image) throw new CliError("the import ended without an image");
        if (output === "table") {
          console.log(`imported ${image.reference} (${image.manifestDigest}) ${image.path}`);
        } else console.log(await render(output, [image], asJson, COLUMNS, false));
      },
    },
    {
      name: "list",
      aliases: ["ls"],
      summary: "list pulled images",
      async run({ options }) {
        const { client, output } = daemonFor(options);
        const { images } = await client.listImages({});
        console.log(await render(output, images, asJson, COLUMNS));
      },
    },
    {
      name: "remove",
      aliases: ["rm"],
      summary: "remove an image and the blobs nothing else uses",
      args: [{ name: "reference", description: "image reference" }],
      async run({ args: [reference], options }) {
        const { client } = daemonFor(options);
        await client.removeImage({ reference });
        console.log(`removed ${reference}`);
      },
    },
  ],
};
