/**
 * A pull onto a full filesystem (a small tmpfs as the images directory): ResourceExhausted
 * with a message that says so, no image in the index, the space given back, and the next
 * pull that fits works.
 */
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { StorageService } from "../proto/gen/protect/storage/v1/storage_pb.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import { protectPaths } from "../lib/paths/mod.ts";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { buildTar, gzip } from "../storage/testing/tar_builder.ts";
import { startStorageProcess, tempRoot } from "./helpers/processes.ts";
import { pushImage, startRegistry } from "./helpers/registry.ts";

async function sh(cmd: string, ...args: string[]) {
  const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
  assert.ok(out.success, `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

/** Bytes used on the filesystem at `path` (df). */
async function used(path: string): Promise<number> {
  const out = await new Deno.Command("df", { args: ["-B1", "--output=used", path] }).output();
  return Number(new TextDecoder().decode(out.stdout).trim().split("\n")[1]);
}

Deno.test("a pull onto a full disk: ResourceExhausted, no image, space freed, the next pull works", async () => {
  const registry = await startRegistry();
  const root = tempRoot();
  const images = protectPaths(root).imagesDir;
  Deno.mkdirSync(images, { recursive: true });
  await sh("mount", "-t", "tmpfs", "-o", "size=6m", "protect-test-full", images);
  const storage = await startStorageProcess(root);
  const transport = createUnixTransport(storage.socket);
  const client = createClient(StorageService, transport);
  try {
    // 8 MiB that do not compress: more than the filesystem holds.
    const noise = new Uint8Array(8 << 20);
    for (let i = 0; i < noise.length; i += 65536) {
      crypto.getRandomValues(noise.subarray(i, i + 65536));
    }
    await pushImage(registry.host, "test/big", "1", {
      layers: [await gzip(buildTar([{ path: "noise", content: noise, mode: 0o644 }]))],
    });
    await pushImage(registry.host, "test/busybox", "1", { layers: await busyboxLayers() });
    const before = await used(images);
    const error = await (async () => {
      for await (const _ of client.pullImage({ reference: `${registry.host}/test/big:1` })) {
        /* */
      }
    })().then(() => undefined, (e) => e);
    assert.ok(error, "the pull must fail");
    assert.equal(error.code, 8, `ResourceExhausted expected: ${error}`);
    assert.match(
      error.rawMessage,
      /^pulling .*test\/big:1: no space left in .*images\/blobs \(what it had downloaded was removed/,
    );
    assert.deepEqual((await client.listImages({})).images, [], "no image in the index");
    assert.ok((await used(images)) - before < 256 * 1024, "the space is given back");
    let pulled = false;
    for await (const m of client.pullImage({ reference: `${registry.host}/test/busybox:1` })) {
      if (m.image) pulled = true;
    }
    assert.ok(pulled, "a pull that fits works");
  } finally {
    transport.close();
    await storage.stop();
    await registry.stop();
    await new Deno.Command("umount", { args: [images] }).output();
    Deno.removeSync(root, { recursive: true });
  }
});
