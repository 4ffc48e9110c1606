import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { StorageService } from "../proto/gen/protect/storage/v1/storage_pb.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { startStorageProcess, tempRoot } from "./helpers/processes.ts";
import { pushImage, startRegistry } from "./helpers/registry.ts";

async function unsquashfsListing(path: string): Promise<string> {
  const out = await new Deno.Command("unsquashfs", { args: ["-lln", path] }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("pull from a real registry into squashfs: modes, owners, links, devices, whiteouts", async () => {
  const registry = await startRegistry();
  const root = tempRoot();
  const storage = await startStorageProcess(root);
  const transport = createUnixTransport(storage.socket);
  try {
    await pushImage(registry.host, "test/busybox", "1", {
      layers: await busyboxLayers(),
      config: { Entrypoint: ["/bin/sh"], Env: ["PATH=/bin"], WorkingDir: "/" },
    });
    const client = createClient(StorageService, transport);
    const phases: string[] = [];
    let image;
    for await (
      const message of client.pullImage({ reference: `${registry.host}/test/busybox:1` })
    ) {
      if (phases.at(-1) !== message.phase) phases.push(message.phase);
      if (message.image) image = message.image;
    }
    assert.deepEqual(phases.filter((p) => p !== "done"), [
      "resolving",
      "downloading",
      "unpacking",
      "packing",
    ]);
    assert.ok(image, "final message carries the image");
    assert.equal(image.reference, `${registry.host}/test/busybox:1`);
    assert.deepEqual(image.config?.entrypoint, ["/bin/sh"]);
    assert.equal(image.platform, "linux/amd64");

    const listing = await unsquashfsListing(image.path);
    assert.match(listing, /-rwxr-xr-x 0\/0\s+\d+ \S+ \S+ squashfs-root\/bin\/busybox/);
    assert.match(listing, /lrwxrwxrwx 0\/0\s+7 \S+ \S+ squashfs-root\/bin\/sh -> busybox/);
    assert.match(listing, /-rw------- 1000\/1000\s+19 \S+ \S+ squashfs-root\/etc\/motd/);
    assert.match(listing, /crw-rw-rw- 0\/0\s+1,\s*3 \S+ \S+ squashfs-root\/dev\/null/);
    assert.match(listing, /drwxrwxrwt 0\/0 .* squashfs-root\/tmp/);
    assert.doesNotMatch(listing, /old\.conf/, "whiteout applied");
    assert.doesNotMatch(listing, /\.wh\./, "no whiteout markers left");

    const { images } = await client.listImages({});
    assert.deepEqual(images.map((i) => i.reference), [`${registry.host}/test/busybox:1`]);
  } finally {
    transport.close();
    await storage.stop();
    await registry.stop();
  }
});
