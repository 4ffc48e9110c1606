/**
 * The hostile-tar suite: every case must be refused with a message naming the
 * entry, nothing may be written outside the target, and the target itself
 * must be gone afterwards.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildTar, gzip, type TarMember } from "../testing/tar_builder.ts";
import type { RootfsTools } from "./rootfs_writer.ts";
import { DEFAULT_UNPACK_LIMITS, LayerRejectedError, unpackLayers } from "./unpack_layers.ts";

const tools: RootfsTools = { setXattr: () => Promise.resolve() };

async function attempt(
  layers: Uint8Array[],
  maxUnpackedBytes = DEFAULT_UNPACK_LIMITS.maxUnpackedBytes,
) {
  const work = Deno.makeTempDirSync();
  const sentinelDir = join(work, "outside");
  Deno.mkdirSync(sentinelDir);
  Deno.writeTextFileSync(join(sentinelDir, "passwd"), "original");
  const files = layers.map((data, i) => {
    const path = join(work, `layer${i}`);
    Deno.writeFileSync(path, data);
    return { digest: `sha256:layer${i}`, path };
  });
  const target = join(work, "image", "rootfs");
  Deno.mkdirSync(join(work, "image"));
  let error: unknown;
  try {
    await unpackLayers(files, target, tools, { ...DEFAULT_UNPACK_LIMITS, maxUnpackedBytes });
  } catch (e) {
    error = e;
  }
  const outside = [...Deno.readDirSync(sentinelDir)].map((e) => e.name);
  return {
    error,
    outsideUntouched: outside.length === 1 &&
      Deno.readTextFileSync(join(sentinelDir, "passwd")) === "original",
    targetGone: [...Deno.readDirSync(join(work, "image"))].length === 0,
    sentinelDir,
  };
}

async function refused(layers: Uint8Array[], message: RegExp, maxUnpackedBytes?: number) {
  const r = await attempt(layers, maxUnpackedBytes);
  assert.ok(r.error instanceof LayerRejectedError, `expected a refusal, got ${r.error}`);
  assert.match((r.error as Error).message, message);
  assert.ok(r.outsideUntouched, "nothing outside the target changed");
  assert.ok(r.targetGone, "the half-unpacked target was removed");
}

const tar = (...m: TarMember[]) => buildTar(m);

Deno.test("hostile: path traversal with ..", async () => {
  await refused(
    [tar({ path: "../../outside/passwd", content: "pwned" })],
    /\.\.\/\.\.\/outside\/passwd: path traversal/,
  );
  await refused([tar({ path: "a/../../x", content: "x" })], /a\/\.\.\/\.\.\/x: path traversal/);
});

Deno.test("hostile: absolute paths", async () => {
  await refused(
    [tar({ path: "/etc/passwd", content: "x" })],
    /\/etc\/passwd: absolute path refused/,
  );
});

Deno.test("hostile: writing through a symlink that escapes the root", async () => {
  await refused(
    [
      tar({ path: "ok", content: "fine" }, { path: "evil", type: "2", linkname: "../../.." }),
      tar({
        path: "evil/outside/passwd",
        content: "pwned",
      }),
    ],
    /evil\/outside\/passwd: refused: parent "evil" is a symlink that escapes the root/,
  );
  await refused(
    [tar({ path: "a/", type: "5" }, { path: "a/up", type: "2", linkname: "../../x" }, {
      path: "a/up/f",
      content: "x",
    })],
    /a\/up\/f: refused: parent "a\/up" is a symlink that escapes the root/,
  );
});

Deno.test("hostile: hard links out of the root or to missing targets", async () => {
  await refused(
    [tar({ path: "h", type: "1", linkname: "../outside/passwd" })],
    /h: hard link target "\.\.\/outside\/passwd" traversal/,
  );
  await refused(
    [tar({ path: "h", type: "1", linkname: "/nonexistent" })],
    /h: hard link target "\/nonexistent" does not exist/,
  );
});

Deno.test("hostile: malformed and oversized headers", async () => {
  await refused(
    [tar({ path: "ok", content: "y" }, { path: "bad", content: "x", badChecksum: true })],
    /bad: header checksum mismatch/,
  );
  await refused([tar({ path: "p", pax: { path: "y".repeat(2 << 20) } })], /exceeds the limit/);
  await refused(
    [tar({ path: "z".repeat(5000), type: "5", pax: { path: "z".repeat(5000) } })],
    /path longer than 4096/,
  );
  await refused(
    [tar({ path: "big", content: "x", sizeOverride: 99999 })],
    /big: truncated file data/,
  );
  await refused([tar({ path: "w", type: "Z" })], /w: unsupported entry type/);
  await refused([tar({ path: "d/.wh.." })], /d\/\.wh\.\.: (malformed whiteout|path traversal)/);
});

Deno.test("hostile: decompression bomb", async () => {
  const zeros = new Uint8Array(20 << 20);
  const bomb = await gzip(tar({ path: "zeros", content: zeros }));
  assert.ok(bomb.length < 100_000);
  await refused([bomb], /decompresses to more than 10485760 bytes/, 10 << 20);
});

Deno.test("a symlink to an absolute in-root path is followed inside the root only", async () => {
  const r = await attempt([
    tar({ path: "etc/", type: "5" }, { path: "e", type: "2", linkname: "/etc" }, {
      path: "e/passwd",
      content: "inside",
    }),
  ]);
  assert.equal(r.error, undefined);
  assert.ok(r.outsideUntouched);
});
