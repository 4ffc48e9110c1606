import assert from "node:assert/strict";
import { PackFormat } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import { ImageFormat } from "../../proto/mod.ts";
import { packFormat } from "./workload_image.ts";

Deno.test("image_format: the spec's choice, else daemon.toml's; an unknown value is refused", () => {
  assert.equal(packFormat(ImageFormat.EROFS, "squashfs"), PackFormat.EROFS);
  assert.equal(packFormat(ImageFormat.SQUASHFS, "erofs"), PackFormat.SQUASHFS);
  assert.equal(packFormat(ImageFormat.UNSPECIFIED, "erofs"), PackFormat.EROFS);
  assert.equal(packFormat(ImageFormat.UNSPECIFIED, "squashfs"), PackFormat.SQUASHFS);
  assert.throws(
    () => packFormat(7 as ImageFormat, "squashfs"),
    /spec\.image_format: unknown format 7/,
  );
});
