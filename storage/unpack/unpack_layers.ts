import { InvalidContentError } from "../../lib/errors/mod.ts";
import { decompressedFile } from "./decompress.ts";
import { type RootfsTools, RootfsWriter, type SpecialEntry } from "./rootfs_writer.ts";
import { DEFAULT_TAR_LIMITS, readTar, type TarLimits } from "./tar_reader.ts";

export interface UnpackLimits extends TarLimits {
  /** Uncompressed bytes allowed per layer (decompression-bomb guard). */
  maxUnpackedBytes: number;
}

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = {
  ...DEFAULT_TAR_LIMITS,
  maxUnpackedBytes: 8 * 1024 ** 3,
};

/** A layer failed to unpack; the message names the layer and the entry. */
export class LayerRejectedError extends InvalidContentError {}

export interface LayerFile {
  digest: string;
  /** Verified blob on disk. */
  path: string;
}

/**
 * Unpacks verified layer blobs (or promises of them), in order, into a new directory `target`, and
 * returns the symlinks, devices and FIFOs (logical path → entry) that the
 * packer adds to the image. On any failure `target` is removed entirely: a
 * refused image leaves nothing.
 */
export async function unpackLayers(
  layers: ReadonlyArray<LayerFile | Promise<LayerFile>>,
  target: string,
  tools: RootfsTools,
  limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
  onLayer?: (index: number) => void,
): Promise<Map<string, SpecialEntry>> {
  Deno.mkdirSync(target, { mode: 0o755 });
  const writer = new RootfsWriter(target, tools);
  try {
    for (const [index, pending] of layers.entries()) {
      // Layers may still be downloading: each is applied as soon as it is verified.
      const layer = await pending;
      onLayer?.(index);
      try {
        await writer.applyLayer(
          readTar(decompressedFile(layer.path, limits.maxUnpackedBytes), limits),
        );
      } catch (e) {
        throw new LayerRejectedError(`layer ${layer.digest}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    writer.finish();
    return writer.specials;
  } catch (e) {
    Deno.removeSync(target, { recursive: true });
    throw e;
  }
}
