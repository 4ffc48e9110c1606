import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type ImageInfo,
  ImageInfoSchema,
  PackFormat,
  type VolumeInfo,
  VolumeInfoSchema,
} from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { ImageRecord, PackRecord } from "../images/image_index.ts";
import type { PackFormatName } from "../pack/packer.ts";
import type { VolumeRecord } from "../volumes/volumes.ts";

export function formatFromProto(format: PackFormat, fallback: PackFormatName): PackFormatName {
  switch (format) {
    case PackFormat.UNSPECIFIED:
      return fallback;
    case PackFormat.SQUASHFS:
      return "squashfs";
    case PackFormat.EROFS:
      return "erofs";
    default:
      throw new InvalidArgumentError("format", `unknown format ${format}`);
  }
}

const formatToProto = (f: PackFormatName) => f === "erofs" ? PackFormat.EROFS : PackFormat.SQUASHFS;

/** One ImageInfo per packed file of the image (an image may be packed in both formats). */
export function imageInfos(image: ImageRecord, only?: PackFormatName): ImageInfo[] {
  const packs: Array<PackRecord | undefined> = image.packs.filter((p) =>
    !only || p.format === only
  );
  if (packs.length === 0 && !only) packs.push(undefined);
  const c = image.manifest.runtimeConfig;
  return packs.map((pack) =>
    create(ImageInfoSchema, {
      reference: image.reference,
      manifestDigest: image.manifest.digest,
      configDigest: image.manifest.configDigest,
      format: pack ? formatToProto(pack.format) : PackFormat.UNSPECIFIED,
      path: pack?.path ?? "",
      sizeBytes: BigInt(pack?.size ?? 0),
      platform: image.manifest.platform,
      createdAt: timestampFromDate(image.createdAt),
      config: {
        entrypoint: c.entrypoint,
        cmd: c.cmd,
        env: c.env,
        user: c.user,
        workingDir: c.workingDir,
        labels: c.labels,
      },
    })
  );
}

export function volumeInfo(v: VolumeRecord): VolumeInfo {
  return create(VolumeInfoSchema, {
    name: v.name,
    path: v.path,
    sizeBytes: BigInt(v.sizeBytes),
    blockDevice: v.blockDevice,
    createdAt: timestampFromDate(new Date(v.createdAt)),
  });
}
