import { lchownSync, lutimesSync } from "node:fs";
import { join } from "node:path";
import { cleanMemberPath, resolveLinkTarget } from "./safe_path.ts";
import { type TarEntry, TarFormatError } from "./tar_reader.ts";

const MAX_SYMLINK_HOPS = 40;
const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

/** External tools the writer needs; injected so tests and permissions stay explicit. */
export interface RootfsTools {
  /** `mknod PATH TYPE [MAJOR MINOR]` (TYPE c, b or p). */
  mknod(path: string, type: "c" | "b" | "p", major: number, minor: number): Promise<void>;
  /** Sets one extended attribute on PATH without following symlinks. */
  setXattr(path: string, name: string, value: Uint8Array): Promise<void>;
}

const notFound = (e: unknown) => e instanceof Deno.errors.NotFound;

function lstat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    if (notFound(e)) return undefined;
    throw e;
  }
}

/**
 * Applies OCI layers, in order, to a root directory. Every write stays inside
 * the root: member paths are cleaned, parent directories are resolved
 * component by component (symlinks followed only when they stay inside), and
 * existing entries are removed rather than written through.
 */
export class RootfsWriter {
  #dirTimes = new Map<string, number>();
  /** Logical paths written by the current layer (opaque whiteouts spare them). */
  #thisLayer = new Set<string>();
  /** Cache of resolved parent directories, cleared whenever links or removals change the tree. */
  #resolved = new Map<string, { dir: string; logical: string[] }>();

  constructor(readonly root: string, private readonly tools: RootfsTools) {}

  async applyLayer(entries: AsyncIterable<TarEntry>): Promise<void> {
    this.#thisLayer.clear();
    this.#resolved.clear();
    for await (const entry of entries) await this.#apply(entry);
  }

  /** Sets directory mtimes last, since writing children changes them. */
  finish(): void {
    for (const [path, mtime] of this.#dirTimes) lutimesSync(path, mtime, mtime);
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
      const here = join(this.root, ...logical, name);
      const info = lstat(here);
      if (!info) {
        Deno.mkdirSync(here, { mode: 0o755 });
        logical = [...logical, name];
      } else if (info.isDirectory) {
        logical = [...logical, name];
      } else if (info.isSymlink) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new TarFormatError("too many symlinks in path", member);
        }
        const target = resolveLinkTarget(logical, Deno.readLinkSync(here));
        if (!target) {
          throw new TarFormatError(
            `refused: parent "${[...logical, name].join("/")}" is a symlink that escapes the root`,
            member,
          );
        }
        logical = [];
        pending = [...target, ...rest];
        continue;
      } else {
        throw new TarFormatError(
          `parent "${[...logical, name].join("/")}" is not a directory`,
          member,
        );
      }
      pending = rest;
    }
    const resolved = { dir: join(this.root, ...logical), logical };
    this.#resolved.set(parentKey, resolved);
    return resolved;
  }

  #remove(path: string): void {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch (e) {
      if (!notFound(e)) throw e;
    }
    this.#resolved.clear();
  }

  async #apply(entry: TarEntry): Promise<void> {
    const parts = cleanMemberPath(entry.path);
    if (parts.length === 0) return; // the root itself
    const name = parts[parts.length - 1];
    const { dir, logical } = this.#resolveParent(parts, entry.path);
    const logicalPath = [...logical, name].join("/");

    if (name === OPAQUE) {
      const keep = logical.join("/");
      for (const child of Deno.readDirSync(dir)) {
        const childLogical = keep ? `${keep}/${child.name}` : child.name;
        if (!this.#thisLayer.has(childLogical)) this.#remove(join(dir, child.name));
      }
      return;
    }
    if (name.startsWith(WHITEOUT)) {
      const victim = name.slice(WHITEOUT.length);
      if (victim === "" || victim === "." || victim === "..") {
        throw new TarFormatError("malformed whiteout", entry.path);
      }
      this.#remove(join(dir, victim));
      return;
    }

    const path = join(dir, name);
    const existing = lstat(path);
    this.#thisLayer.add(logicalPath);
    if (entry.type === "directory") {
      if (existing && !existing.isDirectory) this.#remove(path);
      if (!existing?.isDirectory) Deno.mkdirSync(path, { mode: 0o700 });
      this.#setMetadata(path, entry);
      this.#dirTimes.set(path, entry.mtime);
      await this.#setXattrs(path, entry);
      return;
    }
    if (existing) this.#remove(path);
    switch (entry.type) {
      case "file": {
        const file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
        try {
          for await (const chunk of entry.body) {
            let written = 0;
            while (written < chunk.byteLength) written += file.writeSync(chunk.subarray(written));
          }
        } finally {
          file.close();
        }
        break;
      }
      case "symlink":
        Deno.symlinkSync(entry.linkname, path);
        this.#resolved.clear();
        break;
      case "hardlink": {
        const targetParts = cleanMemberPath(
          entry.linkname.replace(/^\/+/, ""), // absolute link names count from the root
          entry.path,
          `hard link target "${entry.linkname}"`,
        );
        if (targetParts.length === 0) throw new TarFormatError("hard link to the root", entry.path);
        const target = join(
          this.#resolveParent(targetParts, entry.path).dir,
          targetParts[targetParts.length - 1],
        );
        const info = lstat(target);
        if (!info) {
          throw new TarFormatError(
            `hard link target "${entry.linkname}" does not exist`,
            entry.path,
          );
        }
        if (info.isDirectory) throw new TarFormatError("hard link to a directory", entry.path);
        Deno.linkSync(target, path);
        return; // shares the target's inode and metadata
      }
      case "char":
      case "block":
        await this.tools.mknod(
          path,
          entry.type === "char" ? "c" : "b",
          entry.devmajor,
          entry.devminor,
        );
        break;
      case "fifo":
        await this.tools.mknod(path, "p", 0, 0);
        break;
    }
    this.#setMetadata(path, entry);
    await this.#setXattrs(path, entry);
  }

  #setMetadata(path: string, entry: TarEntry): void {
    lchownSync(path, entry.uid, entry.gid);
    // chmod after chown: chown clears setuid/setgid bits.
    if (entry.type !== "symlink") Deno.chmodSync(path, entry.mode);
    if (entry.type !== "directory") lutimesSync(path, entry.mtime, entry.mtime);
  }

  async #setXattrs(path: string, entry: TarEntry): Promise<void> {
    for (const [name, value] of entry.xattrs) await this.tools.setXattr(path, name, value);
  }
}
