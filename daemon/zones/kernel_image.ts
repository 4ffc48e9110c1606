import { PackFormat } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { StorageConnection } from "../clients/storage_client.ts";
import { ensureImage } from "../workloads/workload_image.ts";

/**
 * The host files of a zone kernel named by OCI reference: the image in protect-storage
 * (pulled, and its digests verified, when the store lacks it), then its /kernel/image and
 * /kernel/initrd, extracted once per manifest.
 */
export async function kernelImageFiles(
  storage: StorageConnection,
  reference: string,
  log: Logger,
): Promise<{ kernel: string; initrd: string }> {
  await ensureImage(storage, reference, PackFormat.SQUASHFS, log);
  const files = await storage.client.extractKernel({ reference });
  log.info("zone kernel from an image", {
    image: reference,
    manifest: files.manifestDigest,
    initrd: files.initrdPath !== "",
  });
  return { kernel: files.kernelPath, initrd: files.initrdPath };
}
