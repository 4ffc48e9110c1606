import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type BlobSource, BlobStore, BlobVerificationError } from "./blob_store.ts";

const bytes = new TextEncoder().encode("x".repeat(10_000));
const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

function sourceOf(data: Uint8Array, opts: { failAfter?: number; honourRange?: boolean } = {}) {
  const calls: number[] = [];
  const source: BlobSource = (offset) => {
    calls.push(offset);
    const resumed = (opts.honourRange ?? true) && offset > 0;
    const from = resumed ? offset : 0;
    return Promise.resolve({
      resumed,
      body: (async function* () {
        for (let i = from; i < data.length; i += 1000) {
          if (opts.failAfter !== undefined && i >= opts.failAfter) {
            throw new Error("connection reset");
          }
          yield data.subarray(i, i + 1000);
        }
      })(),
    });
  };
  return { source, calls };
}

Deno.test("a verified blob is stored once; concurrent ingests share one download", async () => {
  const store = new BlobStore(Deno.makeTempDirSync());
  const { source, calls } = sourceOf(bytes);
  const options = { digest, size: bytes.length, maxBytes: 1 << 20 };
  const [a, b] = await Promise.all([store.ingest(options, source), store.ingest(options, source)]);
  assert.equal(a, b);
  assert.deepEqual(calls, [0]);
  assert.deepEqual(Deno.readFileSync(a), bytes);
  await store.ingest(options, source);
  assert.deepEqual(calls, [0], "already stored: no download");
});

Deno.test("wrong content or too many bytes is refused and leaves nothing", async () => {
  const store = new BlobStore(Deno.makeTempDirSync());
  const bad = sourceOf(new TextEncoder().encode("y".repeat(10_000))).source;
  await assert.rejects(
    store.ingest({ digest, size: bytes.length, maxBytes: 1 << 20 }, bad),
    BlobVerificationError,
  );
  await assert.rejects(
    store.ingest({ digest, size: 5_000, maxBytes: 1 << 20 }, sourceOf(bytes).source),
    /more than the 5000 bytes declared/,
  );
  assert.equal(store.size(digest), undefined);
  assert.deepEqual([...Deno.readDirSync(store.ingestDir)], []);
});

Deno.test("an interrupted download resumes from the partial file", async () => {
  const store = new BlobStore(Deno.makeTempDirSync());
  const options = { digest, size: bytes.length, maxBytes: 1 << 20 };
  await assert.rejects(
    store.ingest(options, sourceOf(bytes, { failAfter: 4000 }).source),
    /connection reset/,
  );
  const { source, calls } = sourceOf(bytes);
  const path = await store.ingest(options, source);
  assert.deepEqual(calls, [4000]);
  assert.deepEqual(Deno.readFileSync(path), bytes);
});

Deno.test("a server that ignores the range restarts cleanly from zero", async () => {
  const store = new BlobStore(Deno.makeTempDirSync());
  const options = { digest, size: bytes.length, maxBytes: 1 << 20 };
  await assert.rejects(store.ingest(options, sourceOf(bytes, { failAfter: 4000 }).source));
  const path = await store.ingest(options, sourceOf(bytes, { honourRange: false }).source);
  assert.deepEqual(Deno.readFileSync(path), bytes);
});
