import assert from "node:assert/strict";
import { formatReference, parseReference } from "./reference.ts";

const canonical = (t: string) => formatReference(parseReference(t));
const D = "sha256:" + "a".repeat(64);

Deno.test("Docker Hub short names normalise like docker does", () => {
  assert.equal(canonical("busybox"), "docker.io/library/busybox:latest");
  assert.equal(canonical("busybox:1.36"), "docker.io/library/busybox:1.36");
  assert.equal(canonical("user/app"), "docker.io/user/app:latest");
  assert.equal(canonical("index.docker.io/library/x"), "docker.io/library/x:latest");
});

Deno.test("registries are recognised by dot, port or localhost", () => {
  assert.equal(canonical("127.0.0.1:5000/a/b:t"), "127.0.0.1:5000/a/b:t");
  assert.equal(canonical("localhost/a"), "localhost/a:latest");
  assert.equal(canonical("ghcr.io/o/r"), "ghcr.io/o/r:latest");
  assert.equal(canonical(`r.io/a@${D}`), `r.io/a@${D}`);
  assert.equal(canonical(`r.io/a:t@${D}`), `r.io/a:t@${D}`);
});

Deno.test("bad references are rejected with the reason", () => {
  assert.throws(() => parseReference("UPPER"), /repository component "UPPER"/);
  assert.throws(() => parseReference("a@sha256:xyz"), /not a sha256 digest/);
  assert.throws(() => parseReference("a:b:c"), /repository component "a:b"/);
  assert.throws(() => parseReference(""), /invalid reference/);
  assert.throws(() => parseReference("a:-bad"), /not a valid tag/);
});
