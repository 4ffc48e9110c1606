import { Code, ConnectError } from "@connectrpc/connect";
import { type ImageInfo, PackFormat } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import { InvalidArgumentError, NotFoundError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { ImageFormat } from "../../proto/mod.ts";
import type { StorageConnection } from "../clients/storage_client.ts";
import type { ImageFormatName } from "../config/mod.ts";

/** The packed format a spec's image_format asks for; `fallback` (daemon.toml) when unspecified. */
export function packFormat(requested: ImageFormat, fallback: ImageFormatName): PackFormat {
  switch (requested) {
    case ImageFormat.UNSPECIFIED:
      return fallback === "erofs" ? PackFormat.EROFS : PackFormat.SQUASHFS;
    case ImageFormat.SQUASHFS:
      return PackFormat.SQUASHFS;
    case ImageFormat.EROFS:
      return PackFormat.EROFS;
    default:
      throw new InvalidArgumentError("spec.image_format", `unknown format ${requested}`);
  }
}

/**
 * An image from protect-storage in `format` (a workload's, or a zone's kernel image), pulled (or packed in that format)
 * first when the store does not have it so.
 */
export async function ensureImage(
  storage: StorageConnection,
  reference: string,
  format: PackFormat,
  log: Logger,
): Promise<ImageInfo> {
  const notFound = (e: unknown) => {
    if (!(e instanceof ConnectError && e.code === Code.NotFound)) throw e;
  };
  try {
    return (await storage.client.getImage({ reference, format })).image!;
  } catch (e) {
    notFound(e);
  }
  try {
    // In the store in the other format (or imported): packed from its blobs, no registry.
    return (await storage.client.packImage({ reference, format })).image!;
  } catch (e) {
    notFound(e);
  }
  log.info("image not in the local store in this format; pulling it", {
    image: reference,
    format: PackFormat[format].toLowerCase(),
  });
  let image;
  for await (const m of storage.client.pullImage({ reference, format })) {
    image = m.image ?? image;
  }
  if (!image) throw new NotFoundError(`pulling ${reference} produced no image`);
  return image;
}
