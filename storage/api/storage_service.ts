import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CollectGarbageResponseSchema,
  CreateScratchDiskResponseSchema,
  CreateVolumeResponseSchema,
  DestroyScratchDiskResponseSchema,
  ExtractKernelResponseSchema,
  GetImageResponseSchema,
  GetVolumeResponseSchema,
  type ImportImageRequest,
  ImportImageResponseSchema,
  ListImagesResponseSchema,
  ListVolumesResponseSchema,
  PackImageResponseSchema,
  type PullImageResponse,
  PullImageResponseSchema,
  RemoveImageResponseSchema,
  RemoveVolumeResponseSchema,
  type StorageService,
} from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import {
  InvalidArgumentError,
  isNoSpace,
  NotFoundError,
  ResourceExhaustedError,
} from "../../lib/errors/mod.ts";
import { dirname } from "node:path";
import type { Logger } from "../../lib/log/mod.ts";
import type { BlobStore } from "../blobs/blob_store.ts";
import { collectGarbage } from "../gc/collect_garbage.ts";
import { importArchive, type ImportDeps } from "../import/import_archive.ts";
import type { ImageIndex } from "../images/image_index.ts";
import type { KernelExtractor } from "../kernels/kernel_files.ts";
import type { PackFormatName } from "../pack/packer.ts";
import type { PullProgress } from "../pull/progress.ts";
import type { ImagePuller } from "../pull/puller.ts";
import { formatReference, parseReference } from "../../lib/reference/mod.ts";
import type { ScratchDisks } from "../scratch/scratch_disks.ts";
import type { Volumes } from "../volumes/volumes.ts";
import { formatFromProto, imageInfos, volumeInfo } from "./convert.ts";
import { SnapshotStream } from "./snapshot_stream.ts";

export interface StorageContext {
  puller: ImagePuller;
  index: ImageIndex;
  blobs: BlobStore;
  scratch: ScratchDisks;
  volumes: Volumes;
  importer: ImportDeps;
  defaultFormat: PackFormatName;
  kernels: KernelExtractor;
  log: Logger;
}

const progressMessage = (p: PullProgress): PullImageResponse =>
  create(PullImageResponseSchema, {
    phase: p.phase,
    layers: p.layers.map((l) => ({
      digest: l.digest,
      bytesDone: BigInt(l.bytesDone),
      bytesTotal: BigInt(l.bytesTotal),
      phase: l.phase,
    })),
  });

/** Canonical form of a reference from a request (names the field when bad). */
const canonical = (reference: string) => formatReference(parseReference(reference));

export function storageService(ctx: StorageContext): ServiceImpl<typeof StorageService> {
  return {
    async *pullImage(request, call) {
      const format = formatFromProto(request.format, ctx.defaultFormat);
      const stream = new SnapshotStream<PullProgress>();
      const credential = request.username || request.identityToken
        ? {
          username: request.username || undefined,
          password: request.password,
          identityToken: request.identityToken || undefined,
        }
        : undefined;
      const pulled = ctx.puller.pull(
        {
          reference: request.reference,
          format,
          platform: request.platform,
          credential,
          signal: call.signal,
        },
        (p) => stream.push(p),
      ).then(
        (image) => {
          stream.end();
          return image;
        },
        (error) => {
          const why = isNoSpace(error)
            ? new ResourceExhaustedError(
              `pulling ${request.reference}: no space left in ${
                dirname(ctx.blobs.blobDir)
              } (what it had downloaded was removed; free space there and pull again)`,
            )
            : error;
          stream.end(why);
          throw why;
        },
      );
      pulled.catch(() => {}); // surfaced through the stream
      for await (const p of stream) yield progressMessage(p);
      const image = await pulled;
      yield create(PullImageResponseSchema, {
        phase: "done",
        image: imageInfos(image, format)[0],
      });
    },

    async importImage(requests) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done) throw new InvalidArgumentError("request", "no import header message");
      const header: ImportImageRequest = first.value;
      const format = formatFromProto(header.format, ctx.defaultFormat);
      const chunks = (async function* () {
        if (header.chunk.byteLength > 0) yield header.chunk;
        while (true) {
          const next = await iterator.next();
          if (next.done) return;
          yield next.value.chunk;
        }
      })();
      const image = await importArchive(
        chunks,
        { reference: header.reference, format, platform: "" },
        ctx.importer,
      );
      return create(ImportImageResponseSchema, { image: imageInfos(image, format)[0] });
    },

    listImages() {
      return create(ListImagesResponseSchema, {
        images: ctx.index.list().flatMap((i) => imageInfos(i)),
      });
    },

    getImage(request) {
      const image = ctx.index.get(canonical(request.reference));
      const format = formatFromProto(request.format, ctx.defaultFormat);
      const info = imageInfos(image, format)[0];
      if (!info) {
        throw new NotFoundError(
          `image ${image.reference} has no ${format} file; pull it with that format`,
        );
      }
      return create(GetImageResponseSchema, { image: info });
    },

    async packImage(request) {
      const reference = canonical(request.reference);
      const format = formatFromProto(request.format, ctx.defaultFormat);
      const image = await ctx.importer.assembler.repack(reference, format);
      return create(PackImageResponseSchema, { image: imageInfos(image, format)[0] });
    },

    async extractKernel(request) {
      const files = await ctx.kernels.extract(canonical(request.reference));
      return create(ExtractKernelResponseSchema, {
        kernelPath: files.kernel,
        initrdPath: files.initrd,
        manifestDigest: files.manifestDigest,
      });
    },

    removeImage(request) {
      const reference = canonical(request.reference);
      for (const pack of ctx.index.removeImage(reference)) {
        try {
          Deno.removeSync(pack.path);
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
      }
      const freed = collectGarbage(ctx.blobs, ctx.index);
      ctx.kernels.prune();
      ctx.log.info("image removed", { reference, blobs_removed: freed.removed });
      return create(RemoveImageResponseSchema);
    },

    collectGarbage() {
      const freed = collectGarbage(ctx.blobs, ctx.index);
      return create(CollectGarbageResponseSchema, {
        blobsRemoved: BigInt(freed.removed),
        bytesFreed: BigInt(freed.bytes),
      });
    },

    async createScratchDisk(request) {
      const path = await ctx.scratch.create(request.owner, Number(request.sizeMib));
      return create(CreateScratchDiskResponseSchema, { path });
    },

    destroyScratchDisk(request) {
      ctx.scratch.destroy(request.owner);
      return create(DestroyScratchDiskResponseSchema);
    },

    async createVolume(request) {
      const record = await ctx.volumes.create(
        request.name,
        Number(request.sizeMib),
        request.device,
      );
      ctx.log.info("volume created", { volume: record.name, path: record.path });
      return create(CreateVolumeResponseSchema, { volume: volumeInfo(record) });
    },

    getVolume(request) {
      return create(GetVolumeResponseSchema, { volume: volumeInfo(ctx.volumes.get(request.name)) });
    },

    listVolumes() {
      return create(ListVolumesResponseSchema, { volumes: ctx.volumes.list().map(volumeInfo) });
    },

    removeVolume(request) {
      ctx.volumes.remove(request.name);
      ctx.log.info("volume removed", { volume: request.name });
      return create(RemoveVolumeResponseSchema);
    },
  };
}
