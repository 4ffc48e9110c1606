import { integer, loadOrCreateToml, oneOf, stringList, table } from "../../lib/config/mod.ts";
import { LOG_LEVELS, type LogLevel } from "../../lib/log/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { PackFormatName } from "../pack/packer.ts";

export interface StorageConfig {
  logLevel: LogLevel;
  defaultFormat: PackFormatName;
  squashfsCompression: string;
  insecureRegistries: string[];
  mirrors: Record<string, string[]>;
  maxUnpackedBytes: number;
  maxManifestBytes: number;
  maxBlobBytes: number;
  pullConcurrency: number;
}

export const DEFAULT_STORAGE_TOML =
  `# protect-storage configuration. Delete this file to get the defaults back.

[storage]
# debug, info, warn or error
log_level = "info"
# Read-only image file format for zones: "squashfs" or "erofs".
default_format = "squashfs"
# mksquashfs -comp: gzip, lz4, lzo, xz or zstd.
squashfs_compression = "gzip"

[registries]
# Registries (host:port) reachable over plain HTTP. Loopback always is.
insecure = []
# Credentials: Docker-style auths in /etc/protect/registries.json.

[registries.mirrors]
# Mirrors tried, in order, before the registry itself, e.g.:
# "docker.io" = ["mirror.example:5000"]

[limits]
# Largest uncompressed size of one layer (decompression-bomb guard).
max_unpacked_bytes = 8589934592
max_manifest_bytes = 4194304
max_blob_bytes = 17179869184
# Layers downloaded at once per pull.
pull_concurrency = 4
`;

/** Loads storage.toml (creating it with defaults), naming any bad key. */
export function loadStorageConfig(path: string): StorageConfig {
  const doc = loadOrCreateToml(path, DEFAULT_STORAGE_TOML, ["registries.mirrors"]);
  const storage = table(doc, "storage", "");
  const registries = table(doc, "registries", "");
  const mirrorTable = table(registries, "mirrors", "registries.");
  const limits = table(doc, "limits", "");
  const mirrors: Record<string, string[]> = {};
  for (const host of Object.keys(mirrorTable)) {
    mirrors[host] = stringList(mirrorTable, host, "registries.mirrors.");
  }
  const compression = oneOf(storage, "squashfs_compression", "storage.", [
    "gzip",
    "lz4",
    "lzo",
    "xz",
    "zstd",
  ], "gzip");
  const config: StorageConfig = {
    logLevel: oneOf(storage, "log_level", "storage.", LOG_LEVELS, "info"),
    defaultFormat: oneOf(storage, "default_format", "storage.", ["squashfs", "erofs"], "squashfs"),
    squashfsCompression: compression,
    insecureRegistries: stringList(registries, "insecure", "registries."),
    mirrors,
    maxUnpackedBytes: integer(
      limits,
      "max_unpacked_bytes",
      "limits.",
      1 << 20,
      Number.MAX_SAFE_INTEGER,
      8 * 1024 ** 3,
    ),
    maxManifestBytes: integer(limits, "max_manifest_bytes", "limits.", 4096, 64 << 20, 4 << 20),
    maxBlobBytes: integer(
      limits,
      "max_blob_bytes",
      "limits.",
      1 << 20,
      Number.MAX_SAFE_INTEGER,
      16 * 1024 ** 3,
    ),
    pullConcurrency: integer(limits, "pull_concurrency", "limits.", 1, 32, 4),
  };
  for (const host of config.insecureRegistries) {
    if (host.includes("/")) {
      throw new InvalidArgumentError("registries.insecure", `"${host}" must be host[:port]`);
    }
  }
  return config;
}
