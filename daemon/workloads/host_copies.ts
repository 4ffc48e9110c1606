import { create, toBinary } from "@bufbuild/protobuf";
import { join, normalize, relative, sep } from "node:path";
import {
  FileEntrySchema,
  FileKind,
  FilesHeaderSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";

/** What a workload may have copied in, in all (the copies live in the zone's memory). */
export const MAX_COPY_BYTES = 64 * 1024 * 1024;
/** Files, directories and links, in all. */
export const MAX_COPY_ENTRIES = 65_536;
/** Content per IDM data packet: well under the frame limit. */
const CHUNK_BYTES = 256 * 1024;

interface PlannedEntry {
  mount: number;
  kind: FileKind;
  /** Relative to the mount's root, "/"-separated ("" = the root). */
  path: string;
  hostPath: string;
  mode: number;
  size: number;
  linkTarget: string;
}

export interface CopyPlan {
  entries: PlannedEntry[];
  totalBytes: number;
}

/**
 * Walks each host source (a directory or a file) for copying into a workload. A
 * source must resolve, symlinks and all, inside `root` (protect's mounts directory,
 * within the daemon's grant); devices, sockets and FIFOs are refused, as is anything
 * over the limits. `field(i)` names the request field of source i in errors.
 */
export function planCopies(
  sources: readonly string[],
  root: string,
  field: (i: number) => string,
  limits = { maxBytes: MAX_COPY_BYTES, maxEntries: MAX_COPY_ENTRIES },
): CopyPlan {
  const plan: CopyPlan = { entries: [], totalBytes: 0 };
  let realRoot: string;
  try {
    realRoot = Deno.realPathSync(root);
  } catch {
    realRoot = root;
  }
  const inside = (path: string, dir: string) => path === dir || path.startsWith(dir + sep);
  sources.forEach((source, mount) => {
    const outside = () =>
      new InvalidArgumentError(
        field(mount),
        `${source} is not inside ${root}, the directory host mounts are copied from`,
      );
    // First by name (what is outside is outside the daemon's grant too), then resolved.
    if (!inside(normalize(source), normalize(root))) throw outside();
    let real: string;
    try {
      real = Deno.realPathSync(source);
    } catch (e) {
      throw new InvalidArgumentError(
        field(mount),
        `cannot read ${source}: ${(e as Error).message}`,
      );
    }
    if (!inside(real, realRoot)) throw outside();
    const walk = (hostPath: string) => {
      const info = Deno.lstatSync(hostPath);
      const path = relative(real, hostPath).split(sep).join("/");
      const mode = (info.mode ?? 0o644) & 0o7777;
      if (plan.entries.length >= limits.maxEntries) {
        throw new InvalidArgumentError(field(mount), `more than ${limits.maxEntries} entries`);
      }
      const entry = { mount, path, hostPath, mode, size: 0, linkTarget: "" };
      if (info.isSymlink) {
        plan.entries.push({
          ...entry,
          kind: FileKind.SYMLINK,
          linkTarget: Deno.readLinkSync(hostPath),
        });
      } else if (info.isFile) {
        plan.totalBytes += info.size;
        if (plan.totalBytes > limits.maxBytes) {
          throw new InvalidArgumentError(
            field(mount),
            `more than ${
              limits.maxBytes / (1024 * 1024)
            } MiB to copy in (host mounts are copies, ` +
              "held in the zone's memory)",
          );
        }
        plan.entries.push({ ...entry, kind: FileKind.FILE, size: info.size });
      } else if (info.isDirectory) {
        plan.entries.push({ ...entry, kind: FileKind.DIRECTORY });
        const names = [...Deno.readDirSync(hostPath)].map((e) => e.name).sort();
        for (const name of names) walk(join(hostPath, name));
      } else {
        throw new InvalidArgumentError(
          field(mount),
          `${hostPath} is not a directory, file or symlink (devices, sockets and FIFOs are not copied)`,
        );
      }
    };
    walk(real);
  });
  return plan;
}

/**
 * Sends the planned copies to the zone ("workload.files") and waits until the agent has
 * written them all; rejects with the agent's reason if it refused.
 */
export async function sendCopies(
  peer: IdmPeer,
  workloadId: string,
  mounts: number,
  plan: CopyPlan,
): Promise<void> {
  const header = create(FilesHeaderSchema, {
    workloadId,
    mounts,
    totalBytes: BigInt(plan.totalBytes),
  });
  const stream = await peer.openStream("workload.files", toBinary(FilesHeaderSchema, header));
  const send = (init: Parameters<typeof create<typeof FileEntrySchema>>[1]) =>
    stream.write(toBinary(FileEntrySchema, create(FileEntrySchema, init)));
  try {
    for (const e of plan.entries) {
      const base = { mount: e.mount, path: e.path, mode: e.mode };
      if (e.kind !== FileKind.FILE) {
        await send({ ...base, kind: e.kind, linkTarget: e.linkTarget });
        continue;
      }
      const file = Deno.openSync(e.hostPath, { read: true });
      try {
        // At most the planned size: a file that grew since is cut, one that shrank ends early.
        const buffer = new Uint8Array(CHUNK_BYTES);
        let sent = 0;
        let kind = FileKind.FILE;
        do {
          const want = Math.min(CHUNK_BYTES, e.size - sent);
          const n = want > 0 ? (file.readSync(buffer.subarray(0, want)) ?? 0) : 0;
          await send({ ...base, kind, data: buffer.slice(0, n) });
          kind = FileKind.DATA;
          sent += n;
          if (n === 0) break;
        } while (sent < e.size);
      } finally {
        file.close();
      }
    }
  } catch (e) {
    await stream.close(`the host could not send ${(e as Error).message}`).catch(() => {});
    throw e;
  }
  await stream.close();
  // The agent closes its side once everything is written, or with its reason.
  for await (const _ of stream) { /* nothing is sent back but the close */ }
}
