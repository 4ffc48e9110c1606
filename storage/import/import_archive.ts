import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { BlobStore } from "../blobs/blob_store.ts";
import type { ImageAssembler } from "../images/image_assembler.ts";
import type { ImageRecord } from "../images/image_index.ts";
import type { PackFormatName } from "../pack/packer.ts";
import type { ProgressListener, PullProgress } from "../pull/progress.ts";
import { formatReference, parseReference } from "../../lib/reference/mod.ts";
import {
  documentMediaType,
  formatPlatform,
  type ImageManifest,
  isIndex,
  parseIndex,
  parseManifest,
  parsePlatform,
  parseRuntimeConfig,
  selectPlatform,
} from "../registry/manifest.ts";
import { MEDIA } from "../registry/media_types.ts";
import { decompressed } from "../unpack/decompress.ts";
import { cleanMemberPath, resolveLinkTarget } from "../unpack/safe_path.ts";
import { readTar } from "../unpack/tar_reader.ts";

export interface ImportDeps {
  blobs: BlobStore;
  assembler: ImageAssembler;
  maxBlobBytes: number;
  maxManifestBytes: number;
  log: Logger;
}

export interface ImportRequest {
  /** Name to record; empty = the name the archive carries. */
  reference: string;
  format: PackFormatName;
  platform: string;
}

const BLOB_PATH = /^blobs\/sha256\/([a-f0-9]{64})$/;
const SMALL_FILES = /(^|\/)(index\.json|oci-layout|manifest\.json|repositories|[^/]+\.json)$/;
const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const json = (b: Uint8Array, what: string) => {
  try {
    return JSON.parse(new TextDecoder().decode(b));
  } catch (e) {
    throw new InvalidArgumentError(what, `is not valid JSON: ${(e as Error).message}`);
  }
};

/** What one pass over the archive collected. */
interface ArchiveContents {
  /** Small metadata files by path. */
  files: Map<string, Uint8Array>;
  /** Other regular files by path → digest of their bytes (stored as blobs). */
  blobsByPath: Map<string, string>;
  /** Symlinks by path → target path (docker save shares layers this way). */
  links: Map<string, string>;
}

/**
 * Imports an OCI image layout tar or a `docker save` tar (optionally
 * compressed) for hosts without registry access. The archive streams through
 * once: blobs go to the verified store as they arrive; nothing is written
 * outside it; then the image is assembled as after a pull.
 */
export async function importArchive(
  source: AsyncIterable<Uint8Array>,
  request: ImportRequest,
  deps: ImportDeps,
  onProgress: ProgressListener = () => {},
): Promise<ImageRecord> {
  const progress: PullProgress = { phase: "downloading", layers: [] };
  const report = () => onProgress(structuredClone(progress));
  report();
  const contents = await readArchive(source, deps);
  const resolved = contents.files.has("index.json")
    ? fromOciLayout(contents, request, deps)
    : contents.files.has("manifest.json")
    ? await fromDockerSave(contents, request, deps)
    : undefined;
  if (!resolved) {
    throw new InvalidArgumentError(
      "archive",
      "is neither an OCI image layout (index.json) nor a docker save (manifest.json)",
    );
  }
  const { manifestDigest, manifest, reference } = resolved;
  const configBytes = Deno.readFileSync(deps.blobs.path(manifest.config.digest));
  const runtimeConfig = parseRuntimeConfig(configBytes);
  progress.layers = manifest.layers.map((l) => ({
    digest: l.digest,
    bytesDone: l.size,
    bytesTotal: l.size,
    phase: "done",
  }));
  deps.log.info("imported archive", { reference, manifest: manifestDigest });
  return await deps.assembler.assemble(
    {
      reference,
      manifestDigest,
      manifest,
      runtimeConfig,
      platform: formatPlatform(
        runtimeConfig.platform.os ? runtimeConfig.platform : parsePlatform(request.platform),
      ),
      format: request.format,
    },
    progress,
    report,
  );
}

async function readArchive(
  source: AsyncIterable<Uint8Array>,
  deps: ImportDeps,
): Promise<ArchiveContents> {
  const contents: ArchiveContents = { files: new Map(), blobsByPath: new Map(), links: new Map() };
  // The whole archive, uncompressed, is bounded like one blob: a compressed
  // archive cannot expand without limit (decompression bomb).
  for await (const entry of readTar(decompressed(source, deps.maxBlobBytes))) {
    const parts = cleanMemberPath(entry.path);
    const path = parts.join("/");
    if (entry.type === "symlink") {
      const target = resolveLinkTarget(parts.slice(0, -1), entry.linkname);
      if (target) contents.links.set(path, target.join("/"));
      continue;
    }
    if (entry.type !== "file") continue;
    const blob = BLOB_PATH.exec(path);
    if (blob) {
      // The name claims a digest; the store verifies the content against it.
      const digest = `sha256:${blob[1]}`;
      await deps.blobs.ingest(
        { digest, size: entry.size, maxBytes: deps.maxBlobBytes },
        () => Promise.resolve({ body: entry.body, resumed: false }),
      );
      contents.blobsByPath.set(path, digest);
    } else if (SMALL_FILES.test(path) && entry.size <= deps.maxManifestBytes) {
      const chunks: Uint8Array[] = [];
      for await (const c of entry.body) chunks.push(c);
      contents.files.set(
        path,
        new Uint8Array(await new Blob(chunks as Uint8Array<ArrayBuffer>[]).arrayBuffer()),
      );
    } else {
      contents.blobsByPath.set(path, await deps.blobs.ingestUnknown(entry.body, deps.maxBlobBytes));
    }
  }
  return contents;
}

function blobBytes(deps: ImportDeps, digest: string, what: string): Uint8Array {
  if (deps.blobs.size(digest) === undefined) {
    throw new InvalidArgumentError(what, `archive lacks blob ${digest}`);
  }
  return Deno.readFileSync(deps.blobs.path(digest));
}

function chooseReference(requested: string, fromArchive: string | undefined): string {
  const name = requested || fromArchive;
  if (!name) {
    throw new InvalidArgumentError(
      "reference",
      "the archive names no image; pass a reference to import it as",
    );
  }
  return formatReference(parseReference(name));
}

function fromOciLayout(contents: ArchiveContents, request: ImportRequest, deps: ImportDeps) {
  const index = json(contents.files.get("index.json")!, "index.json");
  let entries = parseIndex(contents.files.get("index.json")!);
  const want = parsePlatform(request.platform);
  let entry = entries.length === 1 ? entries[0] : selectPlatform(entries, want);
  const refName = (index.manifests?.find((m: { digest?: string }) => m.digest === entry.digest)
    ?.annotations ?? {})["org.opencontainers.image.ref.name"];
  let bytes = blobBytes(deps, entry.digest, "index.json");
  let mediaType = documentMediaType(bytes, entry.mediaType);
  if (isIndex(mediaType)) {
    entries = parseIndex(bytes);
    entry = selectPlatform(entries, want);
    bytes = blobBytes(deps, entry.digest, "nested index");
    mediaType = documentMediaType(bytes, entry.mediaType);
  }
  const manifest = parseManifest(bytes, mediaType);
  for (const d of [manifest.config, ...manifest.layers]) blobBytes(deps, d.digest, "manifest");
  // A bare tag such as "1.0" in ref.name says nothing about the repository.
  const archiveName = refName && refName.includes("/") ? refName : undefined;
  return {
    manifestDigest: entry.digest,
    manifest,
    reference: chooseReference(request.reference, archiveName),
  };
}

async function fromDockerSave(contents: ArchiveContents, request: ImportRequest, deps: ImportDeps) {
  const list = json(contents.files.get("manifest.json")!, "manifest.json");
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidArgumentError("manifest.json", "lists no image");
  }
  const item = list[0] as { Config?: string; RepoTags?: string[]; Layers?: string[] };
  if (typeof item.Config !== "string" || !Array.isArray(item.Layers)) {
    throw new InvalidArgumentError("manifest.json", "entry needs Config and Layers");
  }
  const digestOf = (path: string): string => {
    let p = path;
    for (let hops = 0; contents.links.has(p) && hops < 16; hops++) p = contents.links.get(p)!;
    const digest = contents.blobsByPath.get(p);
    if (digest) return digest;
    const small = contents.files.get(p);
    if (small) return sha256(small);
    throw new InvalidArgumentError("manifest.json", `names ${path}, which the archive lacks`);
  };
  const configBytes = contents.files.get(item.Config) ??
    blobBytes(deps, digestOf(item.Config), "Config");
  const configDigest = sha256(configBytes);
  await deps.blobs.ingestBytes(configDigest, configBytes);
  const layers = item.Layers.map((path) => {
    const digest = digestOf(path);
    return {
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      digest,
      size: deps.blobs.size(digest) ?? 0,
    };
  });
  // docker save has no manifest of its own: write the OCI one it implies.
  const doc = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: configBytes.length },
    layers,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(doc));
  const manifestDigest = sha256(bytes);
  await deps.blobs.ingestBytes(manifestDigest, bytes);
  const manifest: ImageManifest = parseManifest(bytes, MEDIA.ociManifest);
  return {
    manifestDigest,
    manifest,
    reference: chooseReference(request.reference, item.RepoTags?.[0]),
  };
}
