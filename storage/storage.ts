import { join } from "node:path";
import { StorageService } from "../proto/gen/protect/storage/v1/storage_pb.ts";
import { createLogger, type LogLevel } from "../lib/log/mod.ts";
import { type ProtectPaths, protectPaths } from "../lib/paths/mod.ts";
import { claimSocketPath, errorInterceptor, serveUnix } from "../lib/rpc/mod.ts";
import { storageService } from "./api/storage_service.ts";
import { BlobStore } from "./blobs/blob_store.ts";
import { loadStorageConfig, type StorageConfig } from "./config/storage_config.ts";
import { ImageAssembler } from "./images/image_assembler.ts";
import { KernelExtractor } from "./kernels/kernel_files.ts";
import { ImageIndex } from "./images/image_index.ts";
import { ImagePuller } from "./pull/puller.ts";
import { loadCredentials } from "./registry/credentials.ts";
import { RegistryClient } from "./registry/registry_client.ts";
import { ScratchDisks } from "./scratch/scratch_disks.ts";
import { Volumes } from "./volumes/volumes.ts";
import { checkTools } from "../lib/tools/mod.ts";
import { systemRootfsTools } from "./tools/rootfs_tools.ts";
import { DEFAULT_TAR_LIMITS } from "./unpack/tar_reader.ts";

export interface StorageOptions {
  root: string;
  logLevel?: LogLevel;
  logSink?: (line: string) => void;
}

export interface RunningStorage {
  paths: ProtectPaths;
  config: StorageConfig;
  close(): Promise<void>;
}

/** Wires blob store, index, registry client and puller, and serves storage.sock. */
export async function startStorage(options: StorageOptions): Promise<RunningStorage> {
  const paths = protectPaths(options.root);
  const config = loadStorageConfig(paths.storageConfig);
  const log = createLogger("storage", {
    level: options.logLevel ?? config.logLevel,
    sink: options.logSink,
  });
  await checkTools(
    ["mksquashfs", "mkfs.ext4", "ln", "mknod"],
    {
      blkid: "volumes on block devices cannot be created (file volumes still work)",
      blockdev: "volumes on block devices cannot be created (file volumes still work)",
      "mkfs.erofs": "images cannot be packed as erofs (squashfs still works)",
      setfattr: "image layers that carry extended attributes cannot be unpacked",
    },
    (message) => log.warn(message),
  );
  await claimSocketPath(paths.storageSocket, log);
  const dirs = {
    blobs: join(paths.imagesDir, "blobs"),
    packs: join(paths.imagesDir, "packs"),
    tmp: join(paths.imagesDir, "tmp"),
    kernels: join(paths.imagesDir, "kernels"),
    scratch: join(paths.zonesDir, "scratch"),
  };
  for (const dir of Object.values(dirs)) Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Unpack scratch left by a crash is never reused: start clean.
  for (const entry of Deno.readDirSync(dirs.tmp)) {
    Deno.removeSync(join(dirs.tmp, entry.name), { recursive: true });
  }

  const index = new ImageIndex(join(paths.imagesDir, "images.db"));
  const blobs = new BlobStore(dirs.blobs);
  const registry = new RegistryClient({
    insecure: config.insecureRegistries,
    mirrors: config.mirrors,
    credentials: loadCredentials(paths.registryCredentials),
    log,
    maxManifestBytes: config.maxManifestBytes,
  });
  const assembler = new ImageAssembler({
    blobs,
    index,
    rootfsTools: systemRootfsTools,
    limits: { ...DEFAULT_TAR_LIMITS, maxUnpackedBytes: config.maxUnpackedBytes },
    squashfsCompression: config.squashfsCompression,
    packDir: dirs.packs,
    tmpDir: dirs.tmp,
    log,
  });
  const puller = new ImagePuller({
    registry,
    blobs,
    assembler,
    maxBlobBytes: config.maxBlobBytes,
    maxManifestBytes: config.maxManifestBytes,
    concurrency: config.pullConcurrency,
    log,
  });
  const server = await serveUnix({
    path: paths.storageSocket,
    log,
    interceptors: [errorInterceptor(log)],
    readMaxBytes: 4 * 1024 * 1024,
    routes: (router) =>
      router.service(
        StorageService,
        storageService({
          puller,
          index,
          blobs,
          scratch: new ScratchDisks(dirs.scratch),
          volumes: new Volumes(paths.volumesDir),
          importer: {
            blobs,
            assembler,
            maxBlobBytes: config.maxBlobBytes,
            maxManifestBytes: config.maxManifestBytes,
            log,
          },
          defaultFormat: config.defaultFormat,
          kernels: new KernelExtractor({
            index,
            blobs,
            rootfsTools: systemRootfsTools,
            limits: { ...DEFAULT_TAR_LIMITS, maxUnpackedBytes: config.maxUnpackedBytes },
            dir: dirs.kernels,
            tmpDir: dirs.tmp,
            log,
          }),
          log,
        }),
      ),
  });
  log.info("protect-storage serving", { socket: paths.storageSocket });
  return {
    paths,
    config,
    close: async () => {
      await server.close();
      index.db.close();
      log.info("protect-storage stopped");
    },
  };
}
