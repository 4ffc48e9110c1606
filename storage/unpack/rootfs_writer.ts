import { lchownSync, lutimesSync } from "node:fs";
import { join } from "node:path";
import { cleanMemberPath, resolveLinkTarget } from "./safe_path.ts";
import { type TarEntry, TarFormatError } from "./tar_reader.ts";

const MAX_SYMLINK_HOPS = 40;
const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

/**
 * A symlink, device node or FIFO. These are never created on the host: Deno
 * refuses symlink creation under path-scoped permissions, and device nodes
 * in a staging directory would be a hazard. The packer writes them straight
 * into the image (mksquashfs pseudo definitions).
 */
export interface SpecialEntry {
  type: "symlink" | "char" | "block" | "fifo";
  /** Symlink target, verbatim. */
  target: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  devmajor: number;
  devminor: number;
}

/** External helpers the writer needs; injected so tests and permissions stay explicit. */
export interface RootfsTools {
  /** Sets one extended attribute on PATH without following symlinks. */
  setXattr(path: string, name: string, value: Uint8Array): Promise<void>;
}

const notFound = (e: unknown) => e instanceof Deno.errors.NotFound;

/** Files up to this size are written with one call from memory; larger ones stream. */
const SMALL_FILE_BYTES = 1 << 20;

/** Creates `path` (never following or reusing an existing entry) with the entry's bytes. */
async function writeBody(path: string, entry: TarEntry): Promise<void> {
  if (entry.size <= SMALL_FILE_BYTES) {
    const data = new Uint8Array(entry.size);
    let at = 0;
    for await (const chunk of entry.body) {
      data.set(chunk, at);
      at += chunk.byteLength;
    }
    Deno.writeFileSync(path, data, { createNew: true, mode: 0o600 });
    return;
  }
  const file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
  try {
    for await (const chunk of entry.body) {
      let written = 0;
      while (written < chunk.byteLength) written += file.writeSync(chunk.subarray(written));
    }
  } finally {
    file.close();
  }
}

function lstat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    if (notFound(e)) return undefined;
    throw e;
  }
}

/**
 * Applies OCI layers, in order, to a root directory. Regular files and
 * directories go to disk; symlinks, devices and FIFOs are kept as
 * `specials`. Every write stays inside the root: member paths are cleaned,
 * parents are resolved component by component (symlinks followed only when
 * they stay inside), and existing entries are replaced, never written through.
 */
export class RootfsWriter {
  /** Logical path ("usr/lib/x") → special entry. */
  readonly specials = new Map<string, SpecialEntry>();
  #dirTimes = new Map<string, number>();
  /** Logical paths written by the current layer (opaque whiteouts spare them). */
  #thisLayer = new Set<string>();
  #resolved = new Map<string, { dir: string; logical: string[] }>();

  /** Owner new files get anyway (the process's); chown is skipped when it matches. */
  readonly #defaultOwner: { uid: number; gid: number };

  constructor(readonly root: string, private readonly tools: RootfsTools) {
    const info = Deno.statSync(root);
    this.#defaultOwner = { uid: info.uid ?? -1, gid: info.gid ?? -1 };
  }

  async applyLayer(entries: AsyncIterable<TarEntry>): Promise<void> {
    this.#thisLayer.clear();
    this.#resolved.clear();
    for await (const entry of entries) await this.#apply(entry);
  }

  /** Sets directory mtimes last, since writing children changes them. */
  finish(): void {
    for (const [path, mtime] of this.#dirTimes) {
      if (lstat(path)?.isDirectory) lutimesSync(path, mtime, mtime);
    }
  }

  /** Real path of the directory holding `parts`' last component, creating missing parents. */
  #resolveParent(parts: string[], member: string): { dir: string; logical: string[] } {
    const parentKey = parts.slice(0, -1).join("/");
    const cached = this.#resolved.get(parentKey);
    if (cached) return cached;
    let pending = parts.slice(0, -1);
    let logical: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const [name, ...rest] = pending;
      const next = [...logical, name];
      const special = this.specials.get(next.join("/"));
      if (special?.type === "symlink") {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new TarFormatError("too many symlinks in path", member);
        }
        const target = resolveLinkTarget(logical, special.target);
        if (!target) {
          throw new TarFormatError(
            `refused: parent "${next.join("/")}" is a symlink that escapes the root`,
            member,
          );
        }
        logical = [];
        pending = [...target, ...rest];
        continue;
      }
      if (special) {
        throw new TarFormatError(`parent "${next.join("/")}" is not a directory`, member);
      }
      const here = join(this.root, ...next);
      const info = lstat(here);
      if (!info) Deno.mkdirSync(here, { mode: 0o755 });
      else if (!info.isDirectory) {
        throw new TarFormatError(`parent "${next.join("/")}" is not a directory`, member);
      }
      logical = next;
      pending = rest;
    }
    const resolved = { dir: join(this.root, ...logical), logical };
    this.#resolved.set(parentKey, resolved);
    return resolved;
  }

  /**
   * Removes whatever is at `logical`: the disk entry (recursively) and any
   * special entries at or beneath it. Cheap when nothing is there, which is
   * the common case for a new file.
   */
  #remove(logical: string, known?: Deno.FileInfo): void {
    const real = join(this.root, logical);
    const info = known ?? lstat(real);
    if (info) {
      Deno.removeSync(real, { recursive: info.isDirectory });
      this.#resolved.clear();
    }
    if (this.specials.delete(logical)) this.#resolved.clear();
    if (info?.isDirectory) {
      const prefix = logical + "/";
      for (const key of this.specials.keys()) if (key.startsWith(prefix)) this.specials.delete(key);
    }
  }

  /** Names in a directory, on disk and special. */
  #children(dir: string, logicalDir: string): string[] {
    const names = new Set([...Deno.readDirSync(dir)].map((e) => e.name));
    const prefix = logicalDir ? `${logicalDir}/` : "";
    for (const key of this.specials.keys()) {
      if (key.startsWith(prefix) && !key.slice(prefix.length).includes("/")) {
        names.add(key.slice(prefix.length));
      }
    }
    return [...names];
  }

  async #apply(entry: TarEntry): Promise<void> {
    const parts = cleanMemberPath(entry.path);
    if (parts.length === 0) return; // the root itself
    if (/[\n\r]/.test(entry.path) || /[\n\r]/.test(entry.linkname)) {
      throw new TarFormatError(
        "newline in a path or link name refused",
        entry.path.replace(/\n/g, "\\n"),
      );
    }
    const name = parts[parts.length - 1];
    const { dir, logical } = this.#resolveParent(parts, entry.path);
    const logicalDir = logical.join("/");
    const logicalPath = logicalDir ? `${logicalDir}/${name}` : name;

    if (name === OPAQUE) {
      for (const child of this.#children(dir, logicalDir)) {
        const childLogical = logicalDir ? `${logicalDir}/${child}` : child;
        if (!this.#thisLayer.has(childLogical)) this.#remove(childLogical);
      }
      return;
    }
    if (name.startsWith(WHITEOUT)) {
      const victim = name.slice(WHITEOUT.length);
      if (victim === "" || victim === "." || victim === ".." || victim.startsWith(WHITEOUT)) {
        throw new TarFormatError("malformed whiteout", entry.path);
      }
      this.#remove(logicalDir ? `${logicalDir}/${victim}` : victim);
      return;
    }

    const path = join(dir, name);
    this.#thisLayer.add(logicalPath);
    const existing = lstat(path);
    if (entry.type === "directory") {
      if (this.specials.has(logicalPath) || (existing && !existing.isDirectory)) {
        this.#remove(logicalPath, existing);
      }
      if (!existing?.isDirectory) Deno.mkdirSync(path, { mode: 0o700 });
      this.#setMetadata(path, entry);
      this.#dirTimes.set(path, entry.mtime);
      await this.#setXattrs(path, entry);
      return;
    }
    if (existing || this.specials.has(logicalPath)) this.#remove(logicalPath, existing);
    switch (entry.type) {
      case "file": {
        await writeBody(path, entry);
        this.#setMetadata(path, entry);
        await this.#setXattrs(path, entry);
        return;
      }
      case "hardlink":
        return this.#hardlink(entry, path, logicalPath);
      default:
        this.specials.set(logicalPath, {
          type: entry.type,
          target: entry.linkname,
          mode: entry.type === "symlink" ? 0o777 : entry.mode,
          uid: entry.uid,
          gid: entry.gid,
          mtime: entry.mtime,
          devmajor: entry.devmajor,
          devminor: entry.devminor,
        });
    }
  }

  #hardlink(entry: TarEntry, path: string, logicalPath: string): void {
    const targetParts = cleanMemberPath(
      entry.linkname.replace(/^\/+/, ""), // absolute link names count from the root
      entry.path,
      `hard link target "${entry.linkname}"`,
    );
    if (targetParts.length === 0) throw new TarFormatError("hard link to the root", entry.path);
    const { dir, logical } = this.#resolveParent(targetParts, entry.path);
    const targetName = targetParts[targetParts.length - 1];
    const special = this.specials.get([...logical, targetName].join("/"));
    if (special) {
      // A hard link to a symlink or device: an identical entry serves the same purpose.
      this.specials.set(logicalPath, { ...special });
      return;
    }
    const target = join(dir, targetName);
    const info = lstat(target);
    if (!info) {
      throw new TarFormatError(`hard link target "${entry.linkname}" does not exist`, entry.path);
    }
    if (info.isDirectory) throw new TarFormatError("hard link to a directory", entry.path);
    Deno.linkSync(target, path);
  }

  #setMetadata(path: string, entry: TarEntry): void {
    if (entry.uid !== this.#defaultOwner.uid || entry.gid !== this.#defaultOwner.gid) {
      lchownSync(path, entry.uid, entry.gid);
    }
    // chmod after chown: chown clears setuid/setgid bits.
    Deno.chmodSync(path, entry.mode);
    if (entry.type !== "directory") lutimesSync(path, entry.mtime, entry.mtime);
  }

  async #setXattrs(path: string, entry: TarEntry): Promise<void> {
    for (const [name, value] of entry.xattrs) await this.tools.setXattr(path, name, value);
  }
}
