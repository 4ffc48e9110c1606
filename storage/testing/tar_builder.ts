/**
 * Builds tar archives for tests, including hostile ones the unpacker must
 * refuse. Test-only: production code never writes tars.
 */
import { concat } from "../../lib/bytes/mod.ts";

const encoder = new TextEncoder();

export interface TarMember {
  path: string;
  type?: "0" | "1" | "2" | "3" | "4" | "5" | "6" | string;
  content?: Uint8Array | string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** PAX records to precede the entry (e.g. long paths, SCHILY.xattr.*). */
  pax?: Record<string, string>;
  /** Declared size when it must differ from the content (hostile cases). */
  sizeOverride?: number;
  /** Break the header checksum (hostile case). */
  badChecksum?: boolean;
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, "0") + "\0";
}

function header(m: TarMember, size: number): Uint8Array {
  const block = new Uint8Array(512);
  const put = (offset: number, text: string, length: number) =>
    block.set(encoder.encode(text).subarray(0, length), offset);
  put(0, m.path, 100);
  put(100, octal(m.mode ?? (m.type === "5" ? 0o755 : 0o644), 8), 8);
  put(108, octal(m.uid ?? 0, 8), 8);
  put(116, octal(m.gid ?? 0, 8), 8);
  put(124, octal(m.sizeOverride ?? size, 12), 12);
  put(136, octal(m.mtime ?? 1_700_000_000, 12), 12);
  put(156, m.type ?? "0", 1);
  put(157, m.linkname ?? "", 100);
  put(257, "ustar\0", 6);
  put(263, "00", 2);
  put(329, octal(m.devmajor ?? 0, 8), 8);
  put(337, octal(m.devminor ?? 0, 8), 8);
  block.fill(32, 148, 156);
  let sum = block.reduce((a, b) => a + b, 0);
  if (m.badChecksum) sum += 1;
  put(148, octal(sum, 7) + " ", 8);
  return block;
}

function padded(data: Uint8Array): Uint8Array[] {
  const pad = (512 - (data.length % 512)) % 512;
  return [data, new Uint8Array(pad)];
}

function paxBlock(records: Record<string, string>): Uint8Array {
  let text = "";
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (String(length).length + body.length !== length) length++;
    text += `${length}${body}`;
  }
  return encoder.encode(text);
}

/** The archive's bytes, with the two closing zero blocks. */
export function buildTar(members: TarMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    if (m.pax) {
      const data = paxBlock(m.pax);
      parts.push(header({ path: "PaxHeader", type: "x" }, data.length), ...padded(data));
    }
    const content = typeof m.content === "string"
      ? encoder.encode(m.content)
      : m.content ?? new Uint8Array();
    parts.push(header(m, content.length), ...padded(content));
  }
  parts.push(new Uint8Array(1024));
  return concat(parts);
}

/** gzip-compresses bytes (layers are usually gzip). */
export async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
