import { join } from "node:path";
import { exists } from "../../lib/fs/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { digestHex } from "../blobs/digest.ts";
import type { BlobStore } from "../blobs/blob_store.ts";
import { type PackFormatName, packRootfs } from "../pack/packer.ts";
import type { PullProgress } from "../pull/progress.ts";
import type { ImageManifest, RuntimeConfig } from "../registry/manifest.ts";
import { storedLayers } from "./stored_layers.ts";
import type { RootfsTools } from "../unpack/rootfs_writer.ts";
import { type LayerFile, unpackLayers, type UnpackLimits } from "../unpack/unpack_layers.ts";
import type { ImageIndex, ImageRecord } from "./image_index.ts";

export interface AssemblerDeps {
  blobs: BlobStore;
  index: ImageIndex;
  rootfsTools: RootfsTools;
  limits: UnpackLimits;
  squashfsCompression: string;
  packDir: string;
  tmpDir: string;
  log: Logger;
}

export interface AssembleRequest {
  reference: string;
  manifestDigest: string;
  manifest: ImageManifest;
  runtimeConfig: RuntimeConfig;
  platform: string;
  format: PackFormatName;
}

/**
 * Turns verified blobs into a named, packed image: records the manifest,
 * unpacks and packs once per (manifest, format) — concurrent requests share
 * the work — and points the reference at it. Used by pull and import alike.
 */
export class ImageAssembler {
  #packing = new Map<string, Promise<void>>();

  constructor(private readonly deps: AssemblerDeps) {}

  /**
   * `arriving`, when given, are the layers still downloading (in manifest
   * order): unpacking starts with the first verified one instead of waiting
   * for all of them.
   */
  async assemble(
    request: AssembleRequest,
    progress: PullProgress,
    report: () => void,
    arriving?: ReadonlyArray<Promise<LayerFile>>,
  ): Promise<ImageRecord> {
    const { index, blobs } = this.deps;
    const layers = arriving ?? request.manifest.layers.map((l) => {
      if (blobs.size(l.digest) === undefined) {
        throw new Error(`layer ${l.digest} is missing from the store`);
      }
      return Promise.resolve({ digest: l.digest, path: blobs.path(l.digest) });
    });
    index.recordManifest({
      digest: request.manifestDigest,
      configDigest: request.manifest.config.digest,
      platform: request.platform,
      runtimeConfig: request.runtimeConfig,
      blobs: [
        request.manifestDigest,
        request.manifest.config.digest,
        ...request.manifest.layers.map((l) => l.digest),
      ],
    });
    await this.#ensurePacked(request.manifestDigest, request.format, layers, progress, report);
    // Every layer must be verified and stored before the image is named, even
    // when an existing pack made unpacking unnecessary.
    await Promise.all(layers);
    index.recordImage(request.reference, request.manifestDigest);
    progress.phase = "done";
    report();
    this.deps.log.info("image ready", {
      reference: request.reference,
      manifest: request.manifestDigest,
      format: request.format,
    });
    return index.get(request.reference);
  }

  /**
   * Packs an image the store already has in `format` too, from its stored blobs (verified
   * when they came in): an imported image, or one pulled in the other format.
   */
  async repack(reference: string, format: PackFormatName): Promise<ImageRecord> {
    const record = this.deps.index.get(reference);
    const { manifest } = storedLayers(this.deps.blobs, record);
    const progress: PullProgress = { phase: "unpacking", layers: [] };
    return await this.assemble(
      {
        reference,
        manifestDigest: record.manifest.digest,
        manifest,
        runtimeConfig: record.manifest.runtimeConfig,
        platform: record.manifest.platform,
        format,
      },
      progress,
      () => {},
    );
  }

  #ensurePacked(
    manifestDigest: string,
    format: PackFormatName,
    layers: ReadonlyArray<Promise<LayerFile>>,
    progress: PullProgress,
    report: () => void,
  ): Promise<void> {
    const existing = this.deps.index.pack(manifestDigest, format);
    if (existing && exists(existing.path)) return Promise.resolve();
    const key = `${manifestDigest}|${format}`;
    const running = this.#packing.get(key);
    if (running) return running;
    const work = (async () => {
      const staging = Deno.makeTempDirSync({ dir: this.deps.tmpDir, prefix: "unpack-" });
      try {
        const rootfs = join(staging, "rootfs");
        const unpackStart = performance.now();
        const specials = await unpackLayers(
          layers,
          rootfs,
          this.deps.rootfsTools,
          this.deps.limits,
          (i) => {
            // Called once layer i is verified: until the first one, the pull is still "downloading".
            progress.phase = "unpacking";
            if (progress.layers[i]) progress.layers[i].phase = "unpacking";
            report();
          },
        );
        const unpackMs = Math.round(performance.now() - unpackStart);
        progress.phase = "packing";
        report();
        const packStart = performance.now();
        const out = join(this.deps.packDir, `${digestHex(manifestDigest)}.${format}`);
        const size = await packRootfs(rootfs, specials, out, format, {
          squashfsCompression: this.deps.squashfsCompression,
        });
        this.deps.index.recordPack({ manifestDigest, format, path: out, size });
        this.deps.log.info("image packed", {
          manifest: manifestDigest,
          format,
          unpack_ms: unpackMs,
          pack_ms: Math.round(performance.now() - packStart),
          bytes: size,
        });
      } finally {
        Deno.removeSync(staging, { recursive: true });
      }
    })().finally(() => this.#packing.delete(key));
    this.#packing.set(key, work);
    return work;
  }
}
