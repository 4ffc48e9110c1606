import { InvalidContentError } from "../../lib/errors/mod.ts";
import { ByteReader } from "./byte_reader.ts";

/** Why a tar stream was refused; `entry` names the offending member. */
export class TarFormatError extends InvalidContentError {
  constructor(message: string, readonly entry?: string) {
    super(entry ? `${entry}: ${message}` : message);
  }
}

export type TarEntryType =
  | "file"
  | "hardlink"
  | "symlink"
  | "char"
  | "block"
  | "directory"
  | "fifo";

export interface TarEntry {
  path: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX `SCHILY.xattr.*` records. */
  xattrs: Map<string, Uint8Array>;
  /** The file's bytes; must be read fully (or not at all) before the next entry. */
  body: AsyncIterable<Uint8Array>;
}

export interface TarLimits {
  /** Largest PAX or GNU long-name payload accepted. */
  maxMetadataBytes: number;
  /** Longest path or link name accepted. */
  maxPathBytes: number;
  maxEntries: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = {
  maxMetadataBytes: 1 << 20,
  maxPathBytes: 4096,
  maxEntries: 1_000_000,
};

const BLOCK = 512;
const decoder = new TextDecoder("utf-8", { fatal: false });
const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "directory",
  "6": "fifo",
};

function cString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end >= 0 ? field.subarray(0, end) : field);
}

/** Octal ASCII, or GNU base-256 when the high bit of the first byte is set. */
function number(block: Uint8Array, offset: number, length: number, field: string): number {
  const bytes = block.subarray(offset, offset + length);
  if (bytes[0] & 0x80) {
    if (bytes[0] & 0x40) throw new TarFormatError(`negative ${field}`);
    let value = bytes[0] & 0x3f;
    for (let i = 1; i < bytes.length; i++) value = value * 256 + bytes[i];
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`${field} out of range`);
    return value;
  }
  const text = cString(block, offset, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`${field} is not an octal number`);
  return parseInt(text, 8);
}

function checksumOk(block: Uint8Array): boolean {
  const stored = number(block, 148, 8, "checksum");
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  return sum === stored;
}

/** PAX records: "<len> <key>=<value>\n". */
function parsePax(data: Uint8Array, name: string): Map<string, Uint8Array> {
  const records = new Map<string, Uint8Array>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) throw new TarFormatError("malformed PAX record", name);
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length) {
      throw new TarFormatError("malformed PAX record length", name);
    }
    const record = data.subarray(space + 1, at + length - 1); // drop trailing \n
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError("PAX record without '='", name);
    records.set(decoder.decode(record.subarray(0, eq)), record.subarray(eq + 1));
    at += length;
  }
  return records;
}

/**
 * Streams the members of a tar archive (ustar, PAX, GNU long names). Every
 * size and count is bounded; anything malformed throws TarFormatError naming
 * the entry. It never touches the filesystem.
 */
export async function* readTar(
  source: AsyncIterable<Uint8Array>,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let pax = new Map<string, Uint8Array>();
  const globalPax = new Map<string, Uint8Array>();
  let longName: string | undefined;
  let longLink: string | undefined;
  let entries = 0;

  while (true) {
    const block = await reader.read(BLOCK);
    if (block.byteLength === 0) return; // end without the zero blocks: tolerated
    if (block.byteLength < BLOCK) {
      throw new TarFormatError(`truncated header at byte ${reader.offset}`);
    }
    if (block.every((b) => b === 0)) return;
    const rawName = cString(block, 0, 100);
    let valid = false;
    try {
      valid = checksumOk(block);
    } catch { /* a non-numeric checksum field is just as invalid */ }
    if (!valid && entries === 0 && reader.offset === BLOCK) {
      throw new TarFormatError("not a tar archive (the first header is invalid)");
    }
    if (!valid) {
      throw new TarFormatError(
        `header checksum mismatch at byte ${reader.offset - BLOCK}`,
        rawName || undefined,
      );
    }
    const magic = cString(block, 257, 6);
    const prefix = magic.startsWith("ustar") ? cString(block, 345, 155) : "";
    const headerName = prefix ? `${prefix}/${rawName}` : rawName;
    const size = number(block, 124, 12, "size");
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const typeflag = String.fromCharCode(block[156]);

    if (typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K") {
      if (size > limits.maxMetadataBytes) {
        throw new TarFormatError(`metadata entry of ${size} bytes exceeds the limit`, headerName);
      }
      const data = await reader.read(size);
      if (data.byteLength < size) throw new TarFormatError("truncated metadata entry", headerName);
      await reader.skip(padded - size);
      if (typeflag === "x") pax = parsePax(data, headerName);
      else if (typeflag === "g") {
        for (const [k, v] of parsePax(data, headerName)) globalPax.set(k, v);
      } else {
        const value = cString(data, 0, data.length);
        if (typeflag === "L") longName = value;
        else longLink = value;
      }
      continue;
    }

    const meta = new Map([...globalPax, ...pax]);
    const text = (key: string) => meta.has(key) ? decoder.decode(meta.get(key)) : undefined;
    const path = text("path") ?? longName ?? headerName;
    const linkname = text("linkpath") ?? longLink ?? cString(block, 157, 100);
    pax = new Map();
    longName = longLink = undefined;

    const type = TYPES[typeflag];
    if (!type) throw new TarFormatError(`unsupported entry type '${typeflag}'`, path);
    if (++entries > limits.maxEntries) {
      throw new TarFormatError(`more than ${limits.maxEntries} entries`);
    }
    if (path === "" || path.includes("\0")) {
      throw new TarFormatError("empty or NUL-containing path", path);
    }
    if (path.length > limits.maxPathBytes || linkname.length > limits.maxPathBytes) {
      throw new TarFormatError(`path longer than ${limits.maxPathBytes} bytes`, path.slice(0, 80));
    }
    const paxNumber = (key: string, fallback: number) => {
      const v = text(key);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new TarFormatError(`bad PAX ${key} "${v}"`, path);
      return Math.floor(n);
    };
    const entrySize = type === "file" ? paxNumber("size", size) : 0;
    const bodyPadded = type === "file" ? Math.ceil(entrySize / BLOCK) * BLOCK : padded;
    const xattrs = new Map<string, Uint8Array>();
    for (const [k, v] of meta) if (k.startsWith("SCHILY.xattr.")) xattrs.set(k.slice(13), v);

    let consumed = 0;
    const body = {
      async *[Symbol.asyncIterator]() {
        while (consumed < entrySize) {
          const chunk = await reader.readSome(Math.min(entrySize - consumed, 1 << 20));
          if (chunk.byteLength === 0) throw new TarFormatError("truncated file data", path);
          consumed += chunk.byteLength;
          yield chunk;
        }
      },
    };
    yield {
      path,
      type,
      mode: number(block, 100, 8, "mode") & 0o7777,
      uid: paxNumber("uid", number(block, 108, 8, "uid")),
      gid: paxNumber("gid", number(block, 116, 8, "gid")),
      size: entrySize,
      mtime: paxNumber("mtime", number(block, 136, 12, "mtime")),
      linkname,
      devmajor: number(block, 329, 8, "devmajor"),
      devminor: number(block, 337, 8, "devminor"),
      xattrs,
      body,
    };
    // Skip whatever of the body (and its padding) the consumer did not read.
    const skipped = await reader.skip(bodyPadded - consumed);
    if (skipped < bodyPadded - consumed && bodyPadded - consumed - skipped >= BLOCK) {
      throw new TarFormatError("truncated file data", path);
    }
  }
}
