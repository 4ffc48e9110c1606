import type { BlobStore } from "../blobs/blob_store.ts";
import type { ImageIndex } from "../images/image_index.ts";

/** Deletes every blob no recorded manifest needs; returns what it freed. */
export function collectGarbage(
  blobs: BlobStore,
  index: ImageIndex,
): { removed: number; bytes: number } {
  const keep = index.referencedBlobs();
  let removed = 0;
  let bytes = 0;
  for (const { digest, size } of [...blobs.list()]) {
    if (keep.has(digest)) continue;
    blobs.remove(digest);
    removed++;
    bytes += size;
  }
  return { removed, bytes };
}
