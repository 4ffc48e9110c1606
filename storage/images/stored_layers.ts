import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import type { BlobStore } from "../blobs/blob_store.ts";
import { documentMediaType, type ImageManifest, parseManifest } from "../registry/manifest.ts";
import { MEDIA } from "../registry/media_types.ts";
import type { LayerFile } from "../unpack/unpack_layers.ts";
import type { ImageRecord } from "./image_index.ts";

/**
 * An image's manifest and layer files, from the blobs the store verified when they came
 * in; refused, naming the blob, when one has gone (the image must be pulled again).
 */
export function storedLayers(
  blobs: BlobStore,
  record: ImageRecord,
): { manifest: ImageManifest; layers: LayerFile[] } {
  const digest = record.manifest.digest;
  const missing = (what: string) =>
    new FailedPreconditionError(
      `image ${record.reference}: ${what} is missing from the store; pull it again`,
    );
  if (blobs.size(digest) === undefined) throw missing(`its manifest ${digest}`);
  const bytes = Deno.readFileSync(blobs.path(digest));
  // Without a mediaType field it is an OCI manifest (Docker's always carry theirs).
  const manifest = parseManifest(bytes, documentMediaType(bytes, MEDIA.ociManifest));
  const layers = manifest.layers.map((l) => {
    if (blobs.size(l.digest) === undefined) throw missing(`layer ${l.digest}`);
    return { digest: l.digest, path: blobs.path(l.digest) };
  });
  return { manifest, layers };
}
