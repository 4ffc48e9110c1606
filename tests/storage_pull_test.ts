import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { PackFormat, StorageService } from "../proto/gen/protect/storage/v1/storage_pb.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import { protectPaths } from "../lib/paths/mod.ts";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { buildTar, gzip } from "../storage/testing/tar_builder.ts";
import { denoRunArgs, startStorageProcess, tempRoot } from "./helpers/processes.ts";
import { pushImage, pushIndex, startRegistry } from "./helpers/registry.ts";
import { startTokenProxy } from "./helpers/token_proxy.ts";
import { startFlakyProxy } from "./helpers/flaky_proxy.ts";

async function listing(path: string, tool = "unsquashfs"): Promise<string> {
  const out = await new Deno.Command(tool, { args: ["-lln", path] }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

const files = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
};

Deno.test("protect-storage against a real registry", async (t) => {
  const registry = await startRegistry();
  const root = tempRoot();
  const storage = await startStorageProcess(root);
  const transport = createUnixTransport(storage.socket);
  const client = createClient(StorageService, transport);
  const ref = (repo: string) => `${registry.host}/${repo}`;
  async function pull(request: Parameters<typeof client.pullImage>[0]) {
    const phases: string[] = [];
    let image;
    for await (const message of client.pullImage(request)) {
      if (phases.at(-1) !== message.phase) phases.push(message.phase);
      if (message.image) image = message.image;
    }
    assert.ok(image, "the last message carries the image");
    return { image, phases };
  }

  try {
    await pushImage(registry.host, "test/busybox", "1", {
      layers: await busyboxLayers(),
      config: { Entrypoint: ["/bin/sh"], Env: ["PATH=/bin"], WorkingDir: "/" },
    });

    await t.step("pull into squashfs: modes, owners, links, devices, whiteouts", async () => {
      const { image, phases } = await pull({ reference: ref("test/busybox:1") });
      // Unpacking overlaps downloads, so phases may alternate; first sightings keep order.
      const firstSeen = [...new Set(phases)];
      assert.deepEqual(firstSeen, ["resolving", "downloading", "unpacking", "packing", "done"]);

      assert.equal(image.reference, ref("test/busybox:1"));
      assert.deepEqual(image.config?.entrypoint, ["/bin/sh"]);
      assert.equal(image.platform, "linux/amd64");
      const l = await listing(image.path);
      assert.match(l, /-rwxr-xr-x 0\/0\s+\d+ \S+ \S+ squashfs-root\/bin\/busybox/);
      assert.match(l, /lrwxrwxrwx 0\/0\s+7 \S+ \S+ squashfs-root\/bin\/sh -> busybox/);
      assert.match(l, /-rw------- 1000\/1000\s+19 \S+ \S+ squashfs-root\/etc\/motd/);
      assert.match(l, /crw-rw-rw- 0\/0\s+1,\s*3 \S+ \S+ squashfs-root\/dev\/null/);
      assert.match(l, /drwxrwxrwt 0\/0 .* squashfs-root\/tmp/);
      assert.doesNotMatch(l, /old\.conf/, "whiteout applied");
      assert.doesNotMatch(l, /\.wh\./, "no whiteout markers left");
    });

    await t.step("erofs from the same blobs", async () => {
      const { image } = await pull({ reference: ref("test/busybox:1"), format: PackFormat.EROFS });
      assert.match(image.path, /\.erofs$/);
      const head = Deno.readFileSync(image.path).subarray(1024, 1028);
      assert.deepEqual([...head], [0xe2, 0xe1, 0xf5, 0xe0], "erofs superblock magic");
    });

    await t.step("an already-packed image is not unpacked again", async () => {
      const { phases } = await pull({ reference: ref("test/busybox:1") });
      assert.ok(!phases.includes("unpacking"), phases.join(","));
    });

    await t.step("concurrent pulls of one image share the work", async () => {
      await pushImage(registry.host, "test/twice", "1", {
        layers: await busyboxLayers([{ path: "x", content: "2" }]),
      });
      const [a, b] = await Promise.all([
        pull({ reference: ref("test/twice:1") }),
        pull({ reference: ref("test/twice:1") }),
      ]);
      assert.equal(a.image.path, b.image.path);
    });

    await t.step("multi-arch index: default linux/amd64, or the platform asked for", async () => {
      const amd = await pushImage(registry.host, "test/multi", "amd", {
        layers: [await gzip(buildTar([{ path: "arch", content: "amd64" }]))],
      });
      const arm = await pushImage(registry.host, "test/multi", "arm", {
        layers: [await gzip(buildTar([{ path: "arch", content: "arm64" }]))],
        architecture: "arm64",
      });
      await pushIndex(registry.host, "test/multi", "latest", [
        { ...arm, architecture: "arm64" },
        { ...amd, architecture: "amd64" },
      ]);
      const def = await pull({ reference: ref("test/multi") });
      assert.equal(def.image.manifestDigest, amd.digest);
      const picked = await pull({ reference: ref("test/multi:latest"), platform: "linux/arm64" });
      assert.equal(picked.image.manifestDigest, arm.digest);
      await assert.rejects(
        pull({ reference: ref("test/multi"), platform: "linux/s390x" }),
        /no linux\/s390x image/,
      );
    });

    await t.step("Docker schema 2 manifests and pulls by digest", async () => {
      const pushed = await pushImage(registry.host, "test/docker", "v2", {
        layers: await busyboxLayers(),
        flavour: "docker",
      });
      const { image } = await pull({ reference: `${ref("test/docker")}@${pushed.digest}` });
      assert.equal(image.manifestDigest, pushed.digest);
    });

    await t.step("token auth: challenge, token with basic credentials, pull", async () => {
      const proxy = startTokenProxy(registry.host, "alice", "s3cret");
      try {
        await assert.rejects(
          pull({ reference: `${proxy.host}/test/busybox:1` }),
          /token server .* refused/,
        );
        const { image } = await pull({
          reference: `${proxy.host}/test/busybox:1`,
          username: "alice",
          password: "s3cret",
        });
        assert.ok(image.path);
        assert.ok(proxy.tokenRequests >= 2);
      } finally {
        await proxy.stop();
      }
    });

    await t.step("a hostile layer is refused and leaves no image or scratch behind", async () => {
      await pushImage(registry.host, "test/evil", "1", {
        layers: [await gzip(buildTar([{ path: "../../../etc/cron.d/x", content: "pwned" }]))],
      });
      await assert.rejects(
        pull({ reference: ref("test/evil:1") }),
        /\.\.\/\.\.\/\.\.\/etc\/cron\.d\/x: path traversal/,
      );
      const images = protectPaths(root).imagesDir;
      assert.deepEqual(files(join(images, "tmp")), []);
      assert.ok(!(await client.listImages({})).images.some((i) => i.reference.includes("evil")));
    });

    await t.step("unknown images and bad references give clear errors", async () => {
      await assert.rejects(pull({ reference: ref("test/nope:1") }), /not found/);
      await assert.rejects(pull({ reference: "Bad Ref" }), /invalid reference/);
    });

    await t.step("remove drops the files and collects unreferenced blobs", async () => {
      const before = (await client.listImages({})).images.find((i) =>
        i.reference === ref("test/twice:1")
      );
      assert.ok(before);
      await client.removeImage({ reference: ref("test/twice:1") });
      assert.throws(() => Deno.statSync(before.path), Deno.errors.NotFound);
      const gc = await client.collectGarbage({});
      assert.equal(gc.blobsRemoved, 0n, "remove already collected");
      await assert.rejects(
        client.getImage({ reference: ref("test/twice:1") }),
        /not in the local store/,
      );
    });

    await t.step("scratch disks are ext4 images", async () => {
      const { path } = await client.createScratchDisk({ owner: "zone-1", sizeMib: 16n });
      const out = await new Deno.Command("dumpe2fs", { args: ["-h", path], stderr: "null" })
        .output();
      assert.match(new TextDecoder().decode(out.stdout), /Filesystem volume name:\s+scratch/);
      await client.destroyScratchDisk({ owner: "zone-1" });
      assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
    });
  } finally {
    transport.close();
    const status = await storage.stop();
    await registry.stop();
    assert.equal(status.code, 0, storage.logs());
  }
});

Deno.test("protect-storage is refused reads outside its grant", async () => {
  const root = tempRoot();
  const args = denoRunArgs("storage", "tests/helpers/permission_probe.ts", root);
  args.push(join(root, "var/lib/protect/images"));
  Deno.mkdirSync(join(root, "var/lib/protect"), { recursive: true });
  const out = await new Deno.Command(Deno.execPath(), { args, stdin: "null" }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const states = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(states["read /etc/passwd"], "NotCapable");
  assert.equal(states["write /tmp"], "NotCapable");
  assert.equal(states["write own state dir"], "allowed");
  assert.equal(states["env"], "NotCapable");
  assert.equal(states["ffi"], "NotCapable");
});

Deno.test("credentials file, basic auth, identity tokens and mirrors from storage.toml", async (t) => {
  const registry = await startRegistry();
  await pushImage(registry.host, "test/busybox", "1", { layers: await busyboxLayers() });
  const bearer = startTokenProxy(registry.host, "alice", "s3cret");
  const basic = startTokenProxy(registry.host, "bob", "pw", { scheme: "basic" });
  const identity = startTokenProxy(registry.host, "carol", "unused", {
    identityToken: "refresh-me",
  });
  const root = tempRoot();
  const paths = protectPaths(root);
  Deno.mkdirSync(paths.configDir, { recursive: true });
  Deno.writeTextFileSync(
    paths.registryCredentials,
    JSON.stringify({
      auths: {
        [bearer.host]: { auth: btoa("alice:s3cret") },
        [basic.host]: { username: "bob", password: "pw" },
        [`http://${identity.host}`]: { identitytoken: "refresh-me" },
      },
    }),
  );
  // "mirror.invalid" does not resolve: a successful pull proves the mirror served it.
  Deno.writeTextFileSync(
    paths.storageConfig,
    `[registries.mirrors]\n"mirror.invalid" = ["${registry.host}"]\n`,
  );
  const storage = await startStorageProcess(root);
  const transport = createUnixTransport(storage.socket);
  const client = createClient(StorageService, transport);
  const pulls = async (reference: string) => {
    let image;
    for await (const m of client.pullImage({ reference })) image = m.image ?? image;
    return image;
  };
  try {
    await t.step("bearer token with credentials from the file", async () => {
      assert.ok((await pulls(`${bearer.host}/test/busybox:1`))?.path);
    });
    await t.step("basic auth from the file", async () => {
      assert.ok((await pulls(`${basic.host}/test/busybox:1`))?.path);
    });
    await t.step("identity token (OAuth2 refresh token) from the file", async () => {
      assert.ok((await pulls(`${identity.host}/test/busybox:1`))?.path);
    });
    await t.step("mirror configured for a registry name", async () => {
      const image = await pulls("mirror.invalid/test/busybox:1");
      assert.equal(image?.reference, "mirror.invalid/test/busybox:1");
    });
  } finally {
    transport.close();
    await storage.stop();
    await Promise.all([bearer.stop(), basic.stop(), identity.stop()]);
    await registry.stop();
  }
});

Deno.test("an interrupted pull resumes the partial blob with a Range request", async () => {
  const registry = await startRegistry();
  const big = new Uint8Array(4 << 20);
  for (let at = 0; at < big.length; at += 65536) {
    crypto.getRandomValues(big.subarray(at, at + 65536));
  }
  await pushImage(registry.host, "test/big", "1", {
    layers: [await gzip(buildTar([{ path: "blob", content: big }]))],
  });
  const flaky = startFlakyProxy(registry.host);
  const root = tempRoot();
  const storage = await startStorageProcess(root);
  const transport = createUnixTransport(storage.socket);
  const client = createClient(StorageService, transport);
  const pull = async () => {
    let image;
    for await (const m of client.pullImage({ reference: `${flaky.host}/test/big:1` })) {
      image = m.image ?? image;
    }
    return image;
  };
  try {
    await assert.rejects(pull(), /dropped|error|reset|closed/i);
    const image = await pull();
    assert.ok(image?.path);
    assert.equal(flaky.ranges.length, 1, "the second attempt asked only for the rest");
    assert.match(flaky.ranges[0], /^bytes=[1-9]\d*-$/);
  } finally {
    transport.close();
    await storage.stop();
    await flaky.stop();
    await registry.stop();
  }
});
