import { writeAll } from "../../lib/bytes/mod.ts";
import { DataLossError, isNoSpace } from "../../lib/errors/mod.ts";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { digestHex } from "./digest.ts";

/** Bytes did not match their digest or declared size; nothing was stored. */
export class BlobVerificationError extends DataLossError {}

/** Source of a blob's bytes, from `offset` on; `resumed` says whether it honoured the offset. */
export type BlobSource = (
  offset: number,
) => Promise<{ body: AsyncIterable<Uint8Array>; resumed: boolean }>;

export interface IngestOptions {
  digest: string;
  /** Declared size; more bytes than this is an error. */
  size?: number;
  /** Hard cap when no size is declared. */
  maxBytes: number;
  onProgress?: (bytesDone: number) => void;
}

/**
 * Content-addressed blobs under `dir/sha256/<hex>`. Bytes stream to a partial
 * file while being hashed and are renamed into place only after the digest
 * matches, so a stored blob is always verified. Partial files survive an
 * interruption and are resumed; concurrent ingests of one digest share a
 * single download.
 */
export class BlobStore {
  #inFlight = new Map<string, Promise<string>>();
  readonly blobDir: string;
  readonly ingestDir: string;

  constructor(dir: string) {
    this.blobDir = join(dir, "sha256");
    this.ingestDir = join(dir, "ingest");
    Deno.mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
    Deno.mkdirSync(this.ingestDir, { recursive: true, mode: 0o700 });
  }

  path(digest: string): string {
    return join(this.blobDir, digestHex(digest));
  }

  /** Size of a stored blob, or undefined. */
  size(digest: string): number | undefined {
    try {
      return Deno.statSync(this.path(digest)).size;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  /** Stores the blob (or finds it stored) and returns its path. */
  ingest(options: IngestOptions, source: BlobSource): Promise<string> {
    const existing = this.size(options.digest);
    if (existing !== undefined && (options.size === undefined || existing === options.size)) {
      options.onProgress?.(existing);
      return Promise.resolve(this.path(options.digest));
    }
    const running = this.#inFlight.get(options.digest);
    if (running) return running;
    const work = this.#download(options, source).finally(() =>
      this.#inFlight.delete(options.digest)
    );
    this.#inFlight.set(options.digest, work);
    return work;
  }

  /** Stores bytes already in memory (manifests, configs), verified the same way. */
  ingestBytes(digest: string, bytes: Uint8Array): Promise<string> {
    return this.ingest(
      { digest, size: bytes.byteLength, maxBytes: bytes.byteLength },
      () =>
        Promise.resolve({
          resumed: false,
          body: (async function* () {
            yield bytes;
          })(),
        }),
    );
  }

  async #download(options: IngestOptions, source: BlobSource): Promise<string> {
    const partial = join(this.ingestDir, `${digestHex(options.digest)}.partial`);
    const limit = options.size ?? options.maxBytes;
    let offset = 0;
    try {
      offset = Deno.statSync(partial).size;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (offset >= limit) offset = 0; // nothing sensible to resume
    const { body, resumed } = await source(offset);
    const hash = createHash("sha256");
    let output: Deno.FsFile;
    if (offset > 0 && resumed) {
      // Resume: re-hash what the interrupted download left, then append the rest.
      for await (const chunk of (await Deno.open(partial)).readable) hash.update(chunk);
      output = await Deno.open(partial, { write: true, append: true });
    } else {
      offset = 0;
      output = await Deno.open(partial, { write: true, create: true, truncate: true, mode: 0o600 });
    }
    return await this.#finish(options, body, hash, offset, output, partial, limit);
  }

  async #finish(
    options: IngestOptions,
    body: AsyncIterable<Uint8Array>,
    hash: ReturnType<typeof createHash>,
    start: number,
    output: Deno.FsFile,
    partial: string,
    limit: number,
  ): Promise<string> {
    let done = start;
    try {
      for await (const chunk of body) {
        done += chunk.byteLength;
        if (done > limit) {
          throw new BlobVerificationError(
            `${options.digest}: more than the ${limit} bytes ${
              options.size !== undefined ? "declared" : "allowed"
            }`,
          );
        }
        hash.update(chunk);
        await writeAll(output, chunk);
        options.onProgress?.(done);
      }
    } catch (e) {
      output.close();
      // A verification failure poisons the partial, and on a full disk it is what fills it;
      // a network error keeps it for resuming.
      if (e instanceof BlobVerificationError || isNoSpace(e)) Deno.removeSync(partial);
      throw e;
    }
    output.close();
    const actual = `sha256:${hash.digest("hex")}`;
    if (actual !== options.digest || (options.size !== undefined && done !== options.size)) {
      Deno.removeSync(partial);
      throw new BlobVerificationError(
        `${options.digest}: content does not match (got ${actual}, ${done} bytes)`,
      );
    }
    const final = this.path(options.digest);
    Deno.renameSync(partial, final);
    Deno.chmodSync(final, 0o400);
    return final;
  }

  /**
   * Stores bytes whose digest is not known in advance (docker save layers)
   * and returns it. Bounded by `maxBytes`.
   */
  async ingestUnknown(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
    const partial = join(this.ingestDir, `unknown-${crypto.randomUUID()}.partial`);
    const hash = createHash("sha256");
    const output = await Deno.open(partial, { write: true, createNew: true, mode: 0o600 });
    let done = 0;
    try {
      for await (const chunk of body) {
        done += chunk.byteLength;
        if (done > maxBytes) throw new BlobVerificationError(`blob larger than ${maxBytes} bytes`);
        hash.update(chunk);
        await writeAll(output, chunk);
      }
    } catch (e) {
      output.close();
      Deno.removeSync(partial);
      throw e;
    }
    output.close();
    const digest = `sha256:${hash.digest("hex")}`;
    if (this.size(digest) === undefined) {
      Deno.renameSync(partial, this.path(digest));
      Deno.chmodSync(this.path(digest), 0o400);
    } else {
      Deno.removeSync(partial);
    }
    return digest;
  }

  remove(digest: string): void {
    try {
      Deno.removeSync(this.path(digest));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  /** Every stored digest with its size. */
  *list(): Generator<{ digest: string; size: number }> {
    for (const entry of Deno.readDirSync(this.blobDir)) {
      if (!/^[a-f0-9]{64}$/.test(entry.name)) continue;
      yield {
        digest: `sha256:${entry.name}`,
        size: Deno.statSync(join(this.blobDir, entry.name)).size,
      };
    }
  }
}
