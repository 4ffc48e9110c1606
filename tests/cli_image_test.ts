import assert from "node:assert/strict";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import {
  cliJson,
  runCli,
  startDaemonProcess,
  startStorageProcess,
  tempRoot,
} from "./helpers/processes.ts";
import { pushImage, startRegistry } from "./helpers/registry.ts";

Deno.test("protect image pull/list/remove through the daemon and protect-storage", async (t) => {
  const registry = await startRegistry();
  const root = tempRoot();
  const daemon = await startDaemonProcess(root);
  const storage = await startStorageProcess(root);
  const reference = `${registry.host}/test/busybox:1`;
  try {
    await pushImage(registry.host, "test/busybox", "1", { layers: await busyboxLayers() });

    await t.step("pull prints progress, then the image", async () => {
      const r = await runCli(root, "image", "pull", reference);
      assert.equal(r.code, 0, r.stderr);
      // Unpacking overlaps downloads: layer lines may fall between phase lines.
      const phases = r.stderr.split("\n").filter((l) => l.endsWith("..."));
      assert.deepEqual(phases, ["resolving...", "downloading...", "unpacking...", "packing..."]);
      assert.equal(r.stderr.match(/layer [0-9a-f]{12} downloaded/g)?.length, 2);
      assert.match(
        r.stdout,
        new RegExp(`^pulled ${reference} \\(sha256:[0-9a-f]{64}\\) /.*\\.squashfs\\n$`),
      );
    });

    await t.step("list shows it (table and json)", async () => {
      const table = await runCli(root, "image", "list");
      assert.match(table.stdout, /^REFERENCE\s+DIGEST\s+FORMAT\s+SIZE\s+PLATFORM/);
      assert.match(
        table.stdout,
        new RegExp(`${reference}\\s+[0-9a-f]{12}\\s+squashfs\\s+[\\d.]+ (KiB|MiB)\\s+linux/amd64`),
      );
      const json = await cliJson(root, "image", "list");
      assert.equal(json[0].reference, reference);
    });

    await t.step("errors are one line", async () => {
      const missing = await runCli(root, "image", "pull", `${registry.host}/test/none:1`);
      assert.equal(missing.code, 1);
      assert.match(
        missing.stderr,
        /^(resolving\.\.\.\n)?protect: manifest .*test\/none:1 not found/,
      );
      const bad = await runCli(root, "image", "pull", "UPPER/case");
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /protect: invalid reference: repository component "UPPER"/);
    });

    await t.step("import a docker save archive through the daemon", async () => {
      const tar = `${Deno.makeTempDirSync()}/saved.tar`;
      const archive = `${tar}.gz`;
      const made = await new Deno.Command("sh", {
        args: [
          "-c",
          `skopeo copy -q --src-tls-verify=false docker://${reference} docker-archive:${tar}:x/y:1 && gzip ${tar}`,
        ],
      }).output();
      assert.ok(made.success, new TextDecoder().decode(made.stderr));
      const r = await runCli(
        root,
        "image",
        "import",
        archive,
        "--reference",
        "local/busybox:imported",
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^imported docker\.io\/local\/busybox:imported \(sha256:/);
      const missing = await runCli(root, "image", "import", "/nonexistent.tar");
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^protect: cannot read \/nonexistent\.tar: /);
    });

    await t.step("remove", async () => {
      for (const ref of [reference, "local/busybox:imported"]) {
        const r = await runCli(root, "image", "remove", ref);
        assert.equal(r.code, 0, r.stderr);
      }
      assert.deepEqual(await cliJson(root, "image", "list"), []);
    });
  } finally {
    await storage.stop();
    await daemon.stop();
    await registry.stop();
  }
});

Deno.test("image commands without protect-storage say so", async () => {
  const root = tempRoot();
  const daemon = await startDaemonProcess(root);
  try {
    const r = await runCli(root, "image", "list");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^protect: protect-storage is not running \(no socket at .*storage\.sock\)/,
    );
  } finally {
    await daemon.stop();
  }
});
