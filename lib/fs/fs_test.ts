import assert from "node:assert/strict";
import { exists, groupId, groupName, waitForPath } from "./mod.ts";

Deno.test("exists: a file, a directory, nothing", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/f`, "x");
  assert.equal(exists(`${dir}/f`), true);
  assert.equal(exists(dir), true);
  assert.equal(exists(`${dir}/none`), false);
});

Deno.test("waitForPath: resolves once the path appears, rejects naming it after the timeout", async () => {
  const dir = Deno.makeTempDirSync();
  const later = setTimeout(() => Deno.writeTextFileSync(`${dir}/dev`, ""), 30);
  await waitForPath(`${dir}/dev`, "disk", 2000, 10);
  clearTimeout(later);
  await assert.rejects(
    waitForPath(`${dir}/never`, "image disk", 50, 10),
    new RegExp(`image disk ${dir}/never did not appear`),
  );
});

Deno.test("groups by name and by ID from a group file", () => {
  const path = Deno.makeTempFileSync();
  Deno.writeTextFileSync(path, "root:x:0:\nprotect:x:997:alice,bob\n# junk\nbad:x:nan:\n");
  assert.equal(groupId("protect", path), 997);
  assert.equal(groupId("nope", path), undefined);
  assert.equal(groupId("bad", path), undefined);
  assert.equal(groupName(0, path), "root");
  assert.equal(groupName(5, path), undefined);
  Deno.removeSync(path);
});
