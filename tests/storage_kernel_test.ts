import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { PackFormat, StorageService } from "../proto/gen/protect/storage/v1/storage_pb.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import { buildTar, gzip, type TarMember } from "../storage/testing/tar_builder.ts";
import { startStorageProcess, tempRoot } from "./helpers/processes.ts";
import { pushImage, startRegistry } from "./helpers/registry.ts";

const kernelBytes = crypto.getRandomValues(new Uint8Array(64 * 1024));
const initrdBytes = crypto.getRandomValues(new Uint8Array(16 * 1024));

Deno.test("ExtractKernel: a kernel image's /kernel/image and /kernel/initrd, and what is not one", async (t) => {
  const registry = await startRegistry();
  const root = tempRoot();
  const storage = await startStorageProcess(root);
  const transport = createUnixTransport(storage.socket);
  const client = createClient(StorageService, transport);
  const push = async (name: string, members: TarMember[]) => {
    await pushImage(registry.host, `kernels/${name}`, "1", {
      layers: [await gzip(buildTar(members))],
    });
    const reference = `${registry.host}/kernels/${name}:1`;
    for await (const _ of client.pullImage({ reference, format: PackFormat.SQUASHFS })) {
      // progress
    }
    return reference;
  };
  try {
    await t.step("kernel and initrd are extracted byte for byte, once per manifest", async () => {
      const reference = await push("zone", [
        { path: "kernel/", type: "5", mode: 0o755 },
        { path: "kernel/image", content: kernelBytes, mode: 0o600 },
        { path: "kernel/initrd", content: initrdBytes },
      ]);
      const files = await client.extractKernel({ reference });
      assert.deepEqual(Deno.readFileSync(files.kernelPath), kernelBytes);
      assert.deepEqual(Deno.readFileSync(files.initrdPath), initrdBytes);
      assert.equal(Deno.statSync(files.kernelPath).mode! & 0o777, 0o644);
      assert.match(files.manifestDigest, /^sha256:/);
      const again = await client.extractKernel({ reference });
      assert.equal(again.kernelPath, files.kernelPath);
    });

    await t.step("without an initrd: the kernel alone", async () => {
      const reference = await push("bare", [{ path: "kernel/image", content: kernelBytes }]);
      const files = await client.extractKernel({ reference });
      assert.equal(files.initrdPath, "");
      assert.deepEqual(Deno.readFileSync(files.kernelPath), kernelBytes);
    });

    await t.step("not a kernel image: refused with the reason", async () => {
      const none = await push("none", [{ path: "etc/motd", content: "hi" }]);
      await assert.rejects(
        client.extractKernel({ reference: none }),
        /invalid_argument.*is not a kernel image: it has no \/kernel directory/,
      );
      // A symlink must not lead the copy to the host's files.
      const link = await push("link", [
        { path: "kernel/", type: "5", mode: 0o755 },
        { path: "kernel/image", type: "2", linkname: "/etc/hostname" },
      ]);
      await assert.rejects(
        client.extractKernel({ reference: link }),
        // (The unpacker may keep an absolute link aside rather than make it.)
        /is not a kernel image: (\/kernel\/image is not a regular file|it has no \/kernel\/image)/,
      );
      const dirLink = await push("dirlink", [{ path: "kernel", type: "2", linkname: "/boot" }]);
      await assert.rejects(
        client.extractKernel({ reference: dirLink }),
        /is not a kernel image: (\/kernel is not a directory|it has no \/kernel directory)/,
      );
      await assert.rejects(client.extractKernel({ reference: "never/pulled:1" }), /not_found/);
    });

    await t.step("removing the image removes its extracted files", async () => {
      const reference = `${registry.host}/kernels/zone:1`;
      const files = await client.extractKernel({ reference });
      await client.removeImage({ reference });
      assert.throws(() => Deno.statSync(files.kernelPath), Deno.errors.NotFound);
      const bare = await client.extractKernel({ reference: `${registry.host}/kernels/bare:1` });
      assert.ok(Deno.statSync(bare.kernelPath).isFile, "another image's files stay");
    });
  } finally {
    transport.close();
    await storage.stop();
    await registry.stop();
  }
});
