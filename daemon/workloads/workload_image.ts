import { Code, ConnectError } from "@connectrpc/connect";
import { type ImageInfo, PackFormat } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import { NotFoundError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { StorageConnection } from "../clients/storage_client.ts";

/** A workload's image from protect-storage, pulled first when the store does not have it. */
export async function workloadImage(
  storage: StorageConnection,
  reference: string,
  log: Logger,
): Promise<ImageInfo> {
  try {
    return (await storage.client.getImage({ reference, format: PackFormat.SQUASHFS })).image!;
  } catch (e) {
    if (!(e instanceof ConnectError && e.code === Code.NotFound)) throw e;
  }
  log.info("image not in the local store; pulling it", { image: reference });
  let image;
  for await (const m of storage.client.pullImage({ reference, format: PackFormat.SQUASHFS })) {
    image = m.image ?? image;
  }
  if (!image) throw new NotFoundError(`pulling ${reference} produced no image`);
  return image;
}
