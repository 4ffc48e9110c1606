import assert from "node:assert/strict";
import { join } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import {
  type ImportImageRequestSchema,
  PackFormat,
  StorageService,
} from "../proto/gen/protect/storage/v1/storage_pb.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { startStorageProcess, tempRoot } from "./helpers/processes.ts";
import { pushImage, startRegistry } from "./helpers/registry.ts";

/** Streams a file as import requests: header first, then 256 KiB chunks. */
async function* requestsFor(
  path: string,
  reference: string,
): AsyncGenerator<MessageInitShape<typeof ImportImageRequestSchema>> {
  yield { reference };
  const file = await Deno.open(path);
  for await (const chunk of file.readable) {
    for (let at = 0; at < chunk.length; at += 256 * 1024) {
      yield { chunk: chunk.subarray(at, at + 256 * 1024) };
    }
  }
}

async function skopeo(...args: string[]) {
  const out = await new Deno.Command("skopeo", { args, stdout: "null" }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

async function listing(path: string): Promise<string> {
  const out = await new Deno.Command("unsquashfs", { args: ["-lln", path] }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("import OCI-layout and docker-save archives made by skopeo, streamed over the socket", async (t) => {
  const registry = await startRegistry();
  const root = tempRoot();
  const storage = await startStorageProcess(root);
  const transport = createUnixTransport(storage.socket);
  const client = createClient(StorageService, transport);
  const work = Deno.makeTempDirSync();
  try {
    const pushed = await pushImage(registry.host, "test/busybox", "1", {
      layers: await busyboxLayers(),
    });
    const src = `docker://${registry.host}/test/busybox:1`;

    await t.step("OCI image layout (skopeo oci-archive)", async () => {
      const archive = join(work, "oci.tar");
      await skopeo("copy", "--src-tls-verify=false", src, `oci-archive:${archive}:1`);
      const { image } = await client.importImage(requestsFor(archive, "air/gapped:oci"));
      assert.equal(image?.reference, "docker.io/air/gapped:oci");
      assert.equal(image?.manifestDigest, pushed.digest, "same manifest as in the registry");
      assert.match(await listing(image!.path), /squashfs-root\/bin\/sh -> busybox/);
    });

    await t.step("docker save (skopeo docker-archive), name from the archive", async () => {
      const archive = join(work, "docker.tar");
      await skopeo(
        "copy",
        "--src-tls-verify=false",
        src,
        `docker-archive:${archive}:saved/busybox:2`,
      );
      const { image } = await client.importImage(requestsFor(archive, ""));
      assert.equal(image?.reference, "docker.io/saved/busybox:2");
      const l = await listing(image!.path);
      assert.match(l, /-rw------- 1000\/1000 .* squashfs-root\/etc\/motd/);
      assert.doesNotMatch(l, /old\.conf/);
    });

    await t.step(
      "PackImage: an imported image packed as erofs too, from its stored blobs",
      async () => {
        await registry.stop(); // no registry: the blobs in the store are all it may use
        const { image } = await client.packImage({
          reference: "saved/busybox:2",
          format: PackFormat.EROFS,
        });
        assert.equal(image?.format, PackFormat.EROFS);
        assert.equal(image?.reference, "docker.io/saved/busybox:2");
        const magic = new Uint8Array(4);
        const file = Deno.openSync(image!.path);
        file.seekSync(1024, Deno.SeekMode.Start);
        file.readSync(magic);
        file.close();
        assert.deepEqual([...magic], [0xe2, 0xe1, 0xf5, 0xe0], "the erofs superblock magic");
        await assert.rejects(
          client.packImage({ reference: "never/seen:1", format: PackFormat.EROFS }),
          /not_found/,
        );
      },
    );

    await t.step("garbage is refused clearly", async () => {
      const junk = join(work, "junk.tar");
      Deno.writeTextFileSync(junk, "not a tar at all".repeat(100));
      await assert.rejects(
        client.importImage(requestsFor(junk, "x/y:1")),
        /not a tar archive/,
      );
    });
  } finally {
    transport.close();
    await storage.stop();
    await registry.stop();
  }
});
