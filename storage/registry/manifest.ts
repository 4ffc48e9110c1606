import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { digestHex } from "../blobs/digest.ts";
import { INDEX_TYPES, LAYER_TYPES, MANIFEST_TYPES } from "./media_types.ts";

/** A content descriptor from a manifest. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageManifest {
  config: Descriptor;
  layers: Descriptor[];
}

export interface RuntimeConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  user: string;
  workingDir: string;
  labels: Record<string, string>;
  platform: Platform;
}

const MAX_LAYERS = 256;
const MAX_BLOB_BYTES = 64 * 1024 ** 3;

/** Errors about registry-supplied documents name what was wrong. */
const bad = (what: string, reason: string) => new InvalidArgumentError(what, reason);

function descriptor(value: unknown, what: string): Descriptor {
  const d = value as Record<string, unknown>;
  if (typeof d !== "object" || d === null) throw bad(what, "is not an object");
  if (typeof d.mediaType !== "string") throw bad(`${what}.mediaType`, "is missing");
  digestHex(String(d.digest), `${what}.digest`);
  if (
    !Number.isSafeInteger(d.size) || (d.size as number) < 0 || (d.size as number) > MAX_BLOB_BYTES
  ) {
    throw bad(`${what}.size`, "must be a byte count");
  }
  const p = d.platform as Record<string, unknown> | undefined;
  const platform = p && typeof p.os === "string" && typeof p.architecture === "string"
    ? {
      os: p.os,
      architecture: p.architecture,
      variant: typeof p.variant === "string" ? p.variant : undefined,
    }
    : undefined;
  return { mediaType: d.mediaType, digest: String(d.digest), size: d.size as number, platform };
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw new Error("not an object");
    }
    return doc;
  } catch (e) {
    throw bad(what, `is not valid JSON: ${(e as Error).message}`);
  }
}

/** Media type from the document, falling back to the Content-Type the registry sent. */
export function documentMediaType(bytes: Uint8Array, contentType: string): string {
  const doc = parseJson(bytes, "manifest");
  return typeof doc.mediaType === "string" ? doc.mediaType : contentType;
}

export const isIndex = (mediaType: string) => INDEX_TYPES.includes(mediaType);

/** The entries of an OCI index or Docker manifest list. */
export function parseIndex(bytes: Uint8Array): Descriptor[] {
  const doc = parseJson(bytes, "index");
  if (!Array.isArray(doc.manifests)) throw bad("index.manifests", "must be an array");
  if (doc.manifests.length > 1024) throw bad("index.manifests", "too many entries");
  return doc.manifests.map((m, i) => descriptor(m, `index.manifests[${i}]`));
}

/** "linux/amd64", "linux/arm64/v8" → Platform. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = (text || "linux/amd64").split("/");
  if (!os || !architecture || extra !== undefined) {
    throw new InvalidArgumentError("platform", `"${text}" must look like os/arch[/variant]`);
  }
  return { os, architecture, variant };
}

export const formatPlatform = (p: Platform) =>
  `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;

/** Picks the index entry for `want`; an unspecified variant matches any. */
export function selectPlatform(entries: Descriptor[], want: Platform): Descriptor {
  const candidates = entries.filter((e) =>
    e.platform?.os === want.os && e.platform.architecture === want.architecture &&
    (!want.variant || e.platform.variant === want.variant) && MANIFEST_TYPES.includes(e.mediaType)
  );
  if (candidates.length === 0) {
    const offered = entries.map((e) => e.platform ? formatPlatform(e.platform) : "?").join(", ");
    throw new InvalidArgumentError(
      "platform",
      `no ${formatPlatform(want)} image in the index (it has: ${offered})`,
    );
  }
  return candidates[0];
}

/** Validates an image manifest and its layer types. */
export function parseManifest(bytes: Uint8Array, mediaType: string): ImageManifest {
  if (!MANIFEST_TYPES.includes(mediaType)) {
    throw bad("manifest", `unsupported media type "${mediaType}"`);
  }
  const doc = parseJson(bytes, "manifest");
  if (doc.schemaVersion !== 2) throw bad("manifest.schemaVersion", "must be 2");
  const config = descriptor(doc.config, "manifest.config");
  if (!Array.isArray(doc.layers)) throw bad("manifest.layers", "must be an array");
  if (doc.layers.length > MAX_LAYERS) {
    throw bad("manifest.layers", `more than ${MAX_LAYERS} layers`);
  }
  const layers = doc.layers.map((l, i) => descriptor(l, `manifest.layers[${i}]`));
  layers.forEach((l, i) => {
    if (!LAYER_TYPES.includes(l.mediaType)) {
      throw bad(`manifest.layers[${i}].mediaType`, `unsupported layer type "${l.mediaType}"`);
    }
  });
  return { config, layers };
}

const strings = (v: unknown, what: string, max = 4096): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > max || v.some((s) => typeof s !== "string")) {
    throw bad(what, "must be a list of strings");
  }
  return v;
};

/** The parts of an image config the zone agent uses. */
export function parseRuntimeConfig(bytes: Uint8Array): RuntimeConfig {
  const doc = parseJson(bytes, "image config");
  const c = (doc.config ?? {}) as Record<string, unknown>;
  const labels = (c.Labels ?? {}) as Record<string, unknown>;
  return {
    entrypoint: strings(c.Entrypoint, "config.Entrypoint"),
    cmd: strings(c.Cmd, "config.Cmd"),
    env: strings(c.Env, "config.Env"),
    user: typeof c.User === "string" ? c.User : "",
    workingDir: typeof c.WorkingDir === "string" ? c.WorkingDir : "",
    labels: Object.fromEntries(
      Object.entries(labels).filter(([, v]) => typeof v === "string"),
    ) as Record<
      string,
      string
    >,
    platform: {
      os: String(doc.os ?? ""),
      architecture: String(doc.architecture ?? ""),
      variant: typeof doc.variant === "string" ? doc.variant : undefined,
    },
  };
}
