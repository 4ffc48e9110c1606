import { join } from "node:path";
import type { Logger } from "../../lib/log/mod.ts";
import type { BlobStore } from "../blobs/blob_store.ts";
import { digestHex } from "../blobs/digest.ts";
import type { ImageIndex, ImageRecord } from "../images/image_index.ts";
import { type PackFormatName, packRootfs } from "../pack/packer.ts";
import { formatReference, manifestSelector, parseReference } from "../reference/reference.ts";
import type { Credential } from "../registry/credentials.ts";
import {
  documentMediaType,
  formatPlatform,
  isIndex,
  parseIndex,
  parseManifest,
  parsePlatform,
  parseRuntimeConfig,
  selectPlatform,
} from "../registry/manifest.ts";
import type { RegistryClient } from "../registry/registry_client.ts";
import type { RootfsTools } from "../unpack/rootfs_writer.ts";
import { type LayerFile, unpackLayers, type UnpackLimits } from "../unpack/unpack_layers.ts";
import { mapLimit } from "./map_limit.ts";
import type { LayerProgressState, ProgressListener, PullProgress } from "./progress.ts";

export interface PullRequest {
  reference: string;
  format: PackFormatName;
  platform: string;
  credential?: Credential;
}

export interface PullerDeps {
  registry: RegistryClient;
  blobs: BlobStore;
  index: ImageIndex;
  rootfsTools: RootfsTools;
  limits: UnpackLimits & { maxBlobBytes: number; maxManifestBytes: number };
  concurrency: number;
  squashfsCompression: string;
  /** Where packed images go. */
  packDir: string;
  /** Scratch space for unpacking (same filesystem as packDir). */
  tmpDir: string;
  log: Logger;
}

/**
 * Pulls an image: resolve the manifest (and platform), download and verify
 * every blob, then unpack the verified layers and pack them once per
 * (manifest, format). Concurrent pulls of the same image share the work.
 */
export class ImagePuller {
  #packing = new Map<string, Promise<void>>();

  constructor(private readonly deps: PullerDeps) {}

  async pull(request: PullRequest, onProgress: ProgressListener = () => {}): Promise<ImageRecord> {
    const { registry, blobs, index, log } = this.deps;
    const ref = parseReference(request.reference);
    const reference = formatReference(ref);
    const platform = parsePlatform(request.platform);
    const progress: PullProgress = { phase: "resolving", layers: [] };
    const report = () => onProgress(structuredClone(progress));
    report();

    let top = await registry.getManifest(ref, manifestSelector(ref), request.credential);
    let mediaType = documentMediaType(top.bytes, top.mediaType);
    if (isIndex(mediaType)) {
      const entry = selectPlatform(parseIndex(top.bytes), platform);
      top = await registry.getManifest(ref, entry.digest, request.credential);
      mediaType = documentMediaType(top.bytes, top.mediaType);
    }
    const manifest = parseManifest(top.bytes, mediaType);
    await blobs.ingestBytes(top.digest, top.bytes);
    log.info("resolved image", { reference, manifest: top.digest, layers: manifest.layers.length });

    const configPath = await blobs.ingest(
      {
        digest: manifest.config.digest,
        size: manifest.config.size,
        maxBytes: this.deps.limits.maxManifestBytes,
      },
      registry.blobSource(ref, manifest.config.digest, request.credential),
    );
    const runtimeConfig = parseRuntimeConfig(Deno.readFileSync(configPath));

    progress.phase = "downloading";
    progress.layers = manifest.layers.map((l): LayerProgressState => ({
      digest: l.digest,
      bytesDone: 0,
      bytesTotal: l.size,
      phase: blobs.size(l.digest) === l.size ? "cached" : "waiting",
    }));
    report();
    const layerFiles: LayerFile[] = await mapLimit(
      manifest.layers,
      this.deps.concurrency,
      async (layer, i) => {
        const state = progress.layers[i];
        if (state.phase !== "cached") state.phase = "downloading";
        const path = await blobs.ingest(
          {
            digest: layer.digest,
            size: layer.size,
            maxBytes: this.deps.limits.maxBlobBytes,
            onProgress: (done) => {
              state.bytesDone = done;
              report();
            },
          },
          registry.blobSource(ref, layer.digest, request.credential),
        );
        state.bytesDone = layer.size;
        if (state.phase !== "cached") state.phase = "done";
        report();
        return { digest: layer.digest, path };
      },
    );

    index.recordManifest({
      digest: top.digest,
      configDigest: manifest.config.digest,
      platform: formatPlatform(runtimeConfig.platform.os ? runtimeConfig.platform : platform),
      runtimeConfig,
      blobs: [top.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)],
    });
    await this.#ensurePacked(top.digest, request.format, layerFiles, progress, report);
    index.recordImage(reference, top.digest);
    progress.phase = "done";
    report();
    log.info("image ready", { reference, manifest: top.digest, format: request.format });
    return index.get(reference);
  }

  /** Unpacks and packs unless a pack for (manifest, format) exists; shared by concurrent pulls. */
  #ensurePacked(
    manifestDigest: string,
    format: PackFormatName,
    layers: LayerFile[],
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
        progress.phase = "unpacking";
        report();
        const specials = await unpackLayers(
          layers,
          join(staging, "rootfs"),
          this.deps.rootfsTools,
          this.deps.limits,
          (i) => {
            progress.layers[i].phase = "unpacking";
            report();
          },
        );
        progress.phase = "packing";
        report();
        const out = join(this.deps.packDir, `${digestHex(manifestDigest)}.${format}`);
        const size = await packRootfs(join(staging, "rootfs"), specials, out, format, {
          squashfsCompression: this.deps.squashfsCompression,
        });
        this.deps.index.recordPack({ manifestDigest, format, path: out, size });
      } finally {
        Deno.removeSync(staging, { recursive: true });
      }
    })().finally(() => this.#packing.delete(key));
    this.#packing.set(key, work);
    return work;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
