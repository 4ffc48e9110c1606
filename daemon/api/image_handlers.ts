import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type ControlService,
  type Image,
  ImageFormat,
  ImageSchema,
  ImportImageResponseSchema,
  ListImagesResponseSchema,
  PullImageResponseSchema,
  RemoveImageResponseSchema,
} from "../../proto/mod.ts";
import { type ImageInfo, PackFormat } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import type { StorageConnection } from "../clients/storage_client.ts";

const PACK_FORMATS: Record<number, PackFormat> = {
  [ImageFormat.SQUASHFS]: PackFormat.SQUASHFS,
  [ImageFormat.EROFS]: PackFormat.EROFS,
};
const IMAGE_FORMATS: Record<number, ImageFormat> = {
  [PackFormat.SQUASHFS]: ImageFormat.SQUASHFS,
  [PackFormat.EROFS]: ImageFormat.EROFS,
};

function toImage(info: ImageInfo): Image {
  return create(ImageSchema, {
    reference: info.reference,
    manifestDigest: info.manifestDigest,
    format: IMAGE_FORMATS[info.format] ?? ImageFormat.UNSPECIFIED,
    sizeBytes: info.sizeBytes,
    pulledAt: info.createdAt,
    platform: info.platform,
    path: info.path,
  });
}

/** Image RPCs, forwarded to protect-storage. */
export function imageHandlers(
  storage: StorageConnection,
): Partial<ServiceImpl<typeof ControlService>> {
  return {
    async *pullImage(request, call) {
      try {
        const stream = storage.client.pullImage({
          reference: request.reference,
          format: PACK_FORMATS[request.format] ?? PackFormat.UNSPECIFIED,
          platform: request.platform,
          username: request.username,
          password: request.password,
          identityToken: request.identityToken,
        }, { signal: call.signal });
        for await (const m of stream) {
          yield create(PullImageResponseSchema, {
            phase: m.phase,
            layers: m.layers.map(({ digest, bytesDone, bytesTotal, phase }) => ({
              digest,
              bytesDone,
              bytesTotal,
              phase,
            })),
            bytesDone: m.layers.reduce((n, l) => n + l.bytesDone, 0n),
            bytesTotal: m.layers.reduce((n, l) => n + l.bytesTotal, 0n),
            image: m.image ? toImage(m.image) : undefined,
          });
        }
      } catch (e) {
        throw storage.error(e);
      }
    },

    async importImage(requests) {
      try {
        const forwarded = (async function* () {
          for await (const r of requests) {
            yield {
              reference: r.reference,
              format: PACK_FORMATS[r.format] ?? PackFormat.UNSPECIFIED,
              chunk: r.chunk,
            };
          }
        })();
        const { image } = await storage.client.importImage(forwarded);
        return create(ImportImageResponseSchema, { image: image ? toImage(image) : undefined });
      } catch (e) {
        throw storage.error(e);
      }
    },

    async listImages() {
      try {
        const { images } = await storage.client.listImages({});
        return create(ListImagesResponseSchema, { images: images.map(toImage) });
      } catch (e) {
        throw storage.error(e);
      }
    },

    async removeImage(request) {
      try {
        await storage.client.removeImage({ reference: request.reference });
        return create(RemoveImageResponseSchema);
      } catch (e) {
        throw storage.error(e);
      }
    },
  };
}
