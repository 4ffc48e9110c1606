import { join } from "node:path";
import { InvalidContentError } from "../../lib/errors/mod.ts";
import { exists } from "../../lib/fs/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { BlobStore } from "../blobs/blob_store.ts";
import { digestHex } from "../blobs/digest.ts";
import type { ImageIndex } from "../images/image_index.ts";
import { storedLayers } from "../images/stored_layers.ts";
import type { RootfsTools } from "../unpack/rootfs_writer.ts";
import { unpackLayers, type UnpackLimits } from "../unpack/unpack_layers.ts";

/** Where a kernel image keeps its files (the layout of Edera's and krata's kernel images). */
export const KERNEL_DIR = "kernel";
const KERNEL_FILE = "image";
const INITRD_FILE = "initrd";
/** Far above any zone kernel or initrd; a bound on what a hostile image can make us copy. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

export interface KernelFiles {
  kernel: string;
  /** "" when the image carries no initrd. */
  initrd: string;
  manifestDigest: string;
}

export interface KernelFilesDeps {
  index: ImageIndex;
  blobs: BlobStore;
  rootfsTools: RootfsTools;
  limits: UnpackLimits;
  /** One directory per manifest digest, holding `image` and maybe `initrd`. */
  dir: string;
  tmpDir: string;
  log: Logger;
}

/**
 * The kernel (`/kernel/image`) and initrd (`/kernel/initrd`, optional) of a kernel image in
 * the store, extracted once per manifest from its verified layers into a directory of their
 * own, where libxl can read them.
 */
export class KernelExtractor {
  #running = new Map<string, Promise<KernelFiles>>();

  constructor(private readonly deps: KernelFilesDeps) {
    Deno.mkdirSync(deps.dir, { recursive: true, mode: 0o700 });
  }

  extract(reference: string): Promise<KernelFiles> {
    const record = this.deps.index.get(reference);
    const digest = record.manifest.digest;
    const out = join(this.deps.dir, digestHex(digest));
    if (exists(join(out, KERNEL_FILE))) return Promise.resolve(filesIn(out, digest));
    const running = this.#running.get(digest);
    if (running) return running;
    const work = (async () => {
      const staging = Deno.makeTempDirSync({ dir: this.deps.tmpDir, prefix: "kernel-" });
      try {
        const rootfs = join(staging, "rootfs");
        const { layers } = storedLayers(this.deps.blobs, record);
        await unpackLayers(layers, rootfs, this.deps.rootfsTools, this.deps.limits);
        const partial = join(staging, "out");
        Deno.mkdirSync(partial, { mode: 0o755 });
        const dir = join(rootfs, KERNEL_DIR);
        checkDirectory(dir, reference);
        copyRegular(join(dir, KERNEL_FILE), join(partial, KERNEL_FILE), reference, true);
        copyRegular(join(dir, INITRD_FILE), join(partial, INITRD_FILE), reference, false);
        Deno.renameSync(partial, out); // whole or not at all
        this.deps.log.info("kernel extracted", { reference, manifest: digest });
        return filesIn(out, digest);
      } finally {
        Deno.removeSync(staging, { recursive: true });
      }
    })().finally(() => this.#running.delete(digest));
    this.#running.set(digest, work);
    return work;
  }

  /** Removes the files of kernel images no image in the store names any more. */
  prune(): void {
    const live = new Set(this.deps.index.list().map((i) => digestHex(i.manifest.digest)));
    for (const entry of Deno.readDirSync(this.deps.dir)) {
      if (live.has(entry.name)) continue;
      Deno.removeSync(join(this.deps.dir, entry.name), { recursive: true });
      this.deps.log.info("kernel files removed", { manifest: entry.name });
    }
  }
}

function filesIn(dir: string, manifestDigest: string): KernelFiles {
  const initrd = join(dir, INITRD_FILE);
  return { kernel: join(dir, KERNEL_FILE), initrd: exists(initrd) ? initrd : "", manifestDigest };
}

const notKernelImage = (reference: string, why: string) =>
  new InvalidContentError(`${reference} is not a kernel image: ${why}`);

/** `/kernel` must be a real directory: a symlink could lead the copy out of the image. */
function checkDirectory(path: string, reference: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    throw notKernelImage(reference, `it has no /${KERNEL_DIR} directory`);
  }
  if (!info.isDirectory) throw notKernelImage(reference, `/${KERNEL_DIR} is not a directory`);
}

/** Copies a regular file of the unpacked image (never a symlink's target). */
function copyRegular(from: string, to: string, reference: string, required: boolean): void {
  const name = `/${KERNEL_DIR}/${from.split("/").pop()}`;
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(from);
  } catch {
    if (required) throw notKernelImage(reference, `it has no ${name}`);
    return;
  }
  if (!info.isFile) throw notKernelImage(reference, `${name} is not a regular file`);
  if (info.size === 0 || info.size > MAX_FILE_BYTES) {
    throw notKernelImage(reference, `${name} is ${info.size} bytes (1 to ${MAX_FILE_BYTES})`);
  }
  Deno.copyFileSync(from, to);
  Deno.chmodSync(to, 0o644);
}
