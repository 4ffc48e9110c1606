import type { Logger } from "../../lib/log/mod.ts";
import type { BlobStore } from "../blobs/blob_store.ts";
import type { ImageAssembler } from "../images/image_assembler.ts";
import type { ImageRecord } from "../images/image_index.ts";
import type { PackFormatName } from "../pack/packer.ts";
import { formatReference, manifestSelector, parseReference } from "../../lib/reference/mod.ts";
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
import type { LayerFile } from "../unpack/unpack_layers.ts";
import { mapLimit } from "./map_limit.ts";
import type { LayerProgressState, ProgressListener, PullProgress } from "./progress.ts";

export interface PullRequest {
  reference: string;
  format: PackFormatName;
  platform: string;
  credential?: Credential;
  /** The client's: a pull nobody waits for any more stops. */
  signal?: AbortSignal;
}

export interface PullerDeps {
  registry: RegistryClient;
  blobs: BlobStore;
  assembler: ImageAssembler;
  maxBlobBytes: number;
  maxManifestBytes: number;
  concurrency: number;
  log: Logger;
}

/**
 * Pulls an image: resolve the manifest (and platform), download and verify
 * every blob — layers in parallel, resuming partial downloads — then hand
 * the verified blobs to the assembler. Nothing is unpacked before every
 * digest has been checked.
 */
export class ImagePuller {
  constructor(private readonly deps: PullerDeps) {}

  async pull(request: PullRequest, onProgress: ProgressListener = () => {}): Promise<ImageRecord> {
    const { registry, blobs, log } = this.deps;
    const ref = parseReference(request.reference);
    const reference = formatReference(ref);
    const platform = parsePlatform(request.platform);
    const progress: PullProgress = { phase: "resolving", layers: [] };
    const report = () => onProgress(structuredClone(progress));
    report();

    let top = await registry.getManifest(
      ref,
      manifestSelector(ref),
      request.credential,
      request.signal,
    );
    let mediaType = documentMediaType(top.bytes, top.mediaType);
    if (isIndex(mediaType)) {
      const entry = selectPlatform(parseIndex(top.bytes), platform);
      top = await registry.getManifest(ref, entry.digest, request.credential, request.signal);
      mediaType = documentMediaType(top.bytes, top.mediaType);
    }
    const manifest = parseManifest(top.bytes, mediaType);
    await blobs.ingestBytes(top.digest, top.bytes);
    log.info("resolved image", { reference, manifest: top.digest, layers: manifest.layers.length });

    const configPath = await blobs.ingest(
      {
        digest: manifest.config.digest,
        size: manifest.config.size,
        maxBytes: this.deps.maxManifestBytes,
      },
      registry.blobSource(ref, manifest.config.digest, request.credential, request.signal),
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
    // One promise per layer, resolved when that layer is verified, so
    // unpacking overlaps the remaining downloads.
    const arrived = manifest.layers.map(() => Promise.withResolvers<LayerFile>());
    for (const a of arrived) a.promise.catch(() => {}); // rejections surface through assemble
    const downloadStart = performance.now();
    mapLimit(manifest.layers, this.deps.concurrency, async (layer, i) => {
      const state = progress.layers[i];
      if (state.phase !== "cached") state.phase = "downloading";
      const path = await blobs.ingest(
        {
          digest: layer.digest,
          size: layer.size,
          maxBytes: this.deps.maxBlobBytes,
          onProgress: (done) => {
            state.bytesDone = done;
            report();
          },
        },
        registry.blobSource(ref, layer.digest, request.credential, request.signal),
      );
      state.bytesDone = layer.size;
      if (state.phase !== "cached") state.phase = "done";
      report();
      arrived[i].resolve({ digest: layer.digest, path });
    }).then(
      () =>
        log.info("layers verified", {
          reference,
          download_ms: Math.round(performance.now() - downloadStart),
        }),
      (error) => arrived.forEach((a) => a.reject(error)),
    );

    return await this.deps.assembler.assemble(
      {
        reference,
        manifestDigest: top.digest,
        manifest,
        runtimeConfig,
        platform: formatPlatform(runtimeConfig.platform.os ? runtimeConfig.platform : platform),
        format: request.format,
      },
      progress,
      report,
      arrived.map((a) => a.promise),
    );
  }
}
