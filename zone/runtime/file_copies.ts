/**
 * Receives host directories copied into a workload ("workload.files") and writes them
 * under `base/<mount>`. What arrives is checked, not trusted to be well formed: each
 * path is relative with no "." or ".." parts, goes only into a directory this copy
 * made (so no symlink it wrote can lead outside), never replaces anything, and the
 * total stays under the limits. Any violation ends the copy with the reason.
 */
import { fromBinary } from "@bufbuild/protobuf";
import {
  type FileEntry,
  FileEntrySchema,
  FileKind,
  type FilesHeader,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";

export const MAX_COPY_BYTES = 64 * 1024 * 1024;
export const MAX_COPY_ENTRIES = 65_536;
const MAX_MOUNTS = 64;
const MAX_PATH = 4096;

/** Writes the entries of one copy stream; resolves when all are written. */
export async function receiveCopies(
  header: FilesHeader,
  entries: AsyncIterable<Uint8Array>,
  base: string,
): Promise<void> {
  if (header.mounts < 1 || header.mounts > MAX_MOUNTS) {
    throw new Error(`copy of ${header.mounts} mounts (1-${MAX_MOUNTS})`);
  }
  if (header.totalBytes > BigInt(MAX_COPY_BYTES)) {
    throw new Error(`copy of ${header.totalBytes} bytes (at most ${MAX_COPY_BYTES})`);
  }
  Deno.mkdirSync(base, { recursive: true, mode: 0o700 });
  const made = new Set<string>(); // directories this copy created
  const roots = new Set<number>(); // mounts whose root exists
  let bytes = 0;
  let count = 0;
  let open: { file: Deno.FsFile; mount: number; path: string } | undefined;
  const closeOpen = () => {
    open?.file.close();
    open = undefined;
  };
  try {
    for await (const chunk of entries) {
      const e: FileEntry = fromBinary(FileEntrySchema, chunk);
      if (++count > MAX_COPY_ENTRIES + MAX_COPY_BYTES / 4096) throw new Error("too many entries");
      bytes += e.data.length;
      if (bytes > Number(header.totalBytes)) {
        throw new Error(`more content than the ${header.totalBytes} bytes announced`);
      }
      if (e.kind === FileKind.DATA) {
        if (!open || open.mount !== e.mount || open.path !== e.path) {
          throw new Error(`content for ${e.path} that was not started`);
        }
        writeAll(open.file, e.data);
        continue;
      }
      closeOpen();
      const target = place(e, base, header.mounts, made, roots);
      const mode = e.mode & 0o7777;
      if (e.kind === FileKind.DIRECTORY) {
        Deno.mkdirSync(target, { mode: 0o700 });
        Deno.chmodSync(target, mode);
        made.add(target);
      } else if (e.kind === FileKind.FILE) {
        const file = Deno.openSync(target, { write: true, createNew: true, mode: 0o600 });
        open = { file, mount: e.mount, path: e.path };
        writeAll(file, e.data);
        Deno.chmodSync(target, mode);
      } else if (e.kind === FileKind.SYMLINK) {
        if (e.linkTarget === "" || e.linkTarget.length > MAX_PATH || e.linkTarget.includes("\0")) {
          throw new Error(`symlink ${e.path} has a bad target`);
        }
        // Never followed here: nothing is written through a link (see place()).
        Deno.symlinkSync(e.linkTarget, target);
      } else {
        throw new Error(`entry ${e.path} of unknown kind ${e.kind}`);
      }
    }
  } finally {
    closeOpen();
  }
}

/** Where an entry goes; refuses a bad path, a second root, or a parent this copy did not make. */
function place(
  e: FileEntry,
  base: string,
  mounts: number,
  made: Set<string>,
  roots: Set<number>,
): string {
  if (e.mount >= mounts) throw new Error(`entry for mount ${e.mount} of ${mounts}`);
  const root = `${base}/${e.mount}`;
  if (e.path === "") {
    if (roots.has(e.mount)) throw new Error(`mount ${e.mount} has two roots`);
    if (e.kind === FileKind.SYMLINK) throw new Error(`mount ${e.mount}'s root is a symlink`);
    roots.add(e.mount);
    return root;
  }
  const parts = e.path.split("/");
  if (
    e.path.length > MAX_PATH || e.path.includes("\0") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) {
    throw new Error(`bad path "${e.path.slice(0, 100)}"`);
  }
  const parent = parts.length === 1 ? root : `${root}/${parts.slice(0, -1).join("/")}`;
  if (!made.has(parent)) throw new Error(`${e.path}: its directory was not copied first`);
  return `${root}/${e.path}`;
}

function writeAll(file: Deno.FsFile, data: Uint8Array): void {
  let written = 0;
  while (written < data.length) written += file.writeSync(data.subarray(written));
}
