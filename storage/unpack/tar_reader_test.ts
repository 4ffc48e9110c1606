import assert from "node:assert/strict";
import { buildTar } from "../testing/tar_builder.ts";
import { readTar, type TarEntry, TarFormatError } from "./tar_reader.ts";

async function* chunks(data: Uint8Array, size = 97) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function entries(data: Uint8Array, chunk = 97) {
  const out: Array<Omit<TarEntry, "body"> & { text: string }> = [];
  for await (const e of readTar(chunks(data, chunk))) {
    let text = "";
    for await (const c of e.body) text += new TextDecoder().decode(c);
    out.push({ ...e, text });
  }
  return out;
}

Deno.test("reads files, dirs, links and devices across odd chunk boundaries", async () => {
  const tar = buildTar([
    { path: "etc/", type: "5", mode: 0o755 },
    { path: "etc/motd", content: "hello\n", mode: 0o640, uid: 7, gid: 8 },
    { path: "bin/sh", type: "2", linkname: "busybox" },
    { path: "bin/ash", type: "1", linkname: "bin/busybox" },
    { path: "dev/null", type: "3", devmajor: 1, devminor: 3 },
  ]);
  for (const size of [1, 7, 512, 100000]) {
    const got = await entries(tar, size);
    assert.deepEqual(got.map((e) => [e.path, e.type]), [
      ["etc/", "directory"],
      ["etc/motd", "file"],
      ["bin/sh", "symlink"],
      ["bin/ash", "hardlink"],
      ["dev/null", "char"],
    ]);
    assert.equal(got[1].text, "hello\n");
    assert.equal(got[1].mode, 0o640);
    assert.equal(got[1].uid, 7);
    assert.equal(got[2].linkname, "busybox");
    assert.equal(got[4].devminor, 3);
  }
});

Deno.test("PAX long paths and xattrs; unread bodies are skipped", async () => {
  const long = "d/" + "x".repeat(200);
  const tar = buildTar([
    { path: "short", content: "a".repeat(2000), pax: { path: long, "SCHILY.xattr.user.k": "v" } },
    { path: "next", content: "b" },
  ]);
  const seen: string[] = [];
  for await (const e of readTar(chunks(tar))) {
    seen.push(e.path);
    if (e.path === long) assert.equal(new TextDecoder().decode(e.xattrs.get("user.k")), "v");
  }
  assert.deepEqual(seen, [long, "next"]);
});

Deno.test("malformed input is refused with the entry named", async () => {
  await assert.rejects(
    entries(
      buildTar([{ path: "ok", content: "y" }, { path: "bad", content: "x", badChecksum: true }]),
    ),
    (e) => {
      assert.ok(e instanceof TarFormatError);
      assert.match(e.message, /^bad: header checksum mismatch/);
      return true;
    },
  );
  await assert.rejects(
    entries(new TextEncoder().encode("plain text ".repeat(100))),
    /not a tar archive/,
  );
  const truncated = buildTar([{ path: "cut", content: "x".repeat(5000) }]).subarray(0, 1500);
  await assert.rejects(entries(truncated), /cut: truncated file data/);
  await assert.rejects(
    entries(buildTar([{ path: "weird", type: "Z" }])),
    /weird: unsupported entry type 'Z'/,
  );
  const hugePax = buildTar([{ path: "p", pax: { path: "y".repeat(2 << 20) } }]);
  await assert.rejects(entries(hugePax), /exceeds the limit/);
});
