import assert from "node:assert/strict";
import { imageFsType } from "./workload_runner.ts";

Deno.test("the image's file system: squashfs (also unnamed, from an older daemon) or erofs", () => {
  assert.equal(imageFsType(""), "squashfs");
  assert.equal(imageFsType("squashfs"), "squashfs");
  assert.equal(imageFsType("erofs"), "erofs");
  assert.throws(() => imageFsType("ext4"), /image_format "ext4" is neither squashfs nor erofs/);
});
