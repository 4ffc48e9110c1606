/**
 * Writes an OCI image-layout tar (what `protect image import` reads) for the Xen lab, whose
 * dom0 has no registry: the project's busybox test image, or a zone kernel image
 * (/kernel/image and /kernel/initrd, the layout `zone launch --kernel REF` boots).
 * Usage: deno run -A lab_oci_archive.ts busybox OUT.tar
 *        deno run -A lab_oci_archive.ts kernel VMLINUX INITRD OUT.tar
 */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { busyboxLayers } from "../../../storage/testing/busybox_image.ts";
import { buildTar, gzip, type TarMember } from "../../../storage/testing/tar_builder.ts";

const [kind, ...rest] = Deno.args;
const out = rest.at(-1);
if (!out || !(kind === "busybox" && rest.length === 1 || kind === "kernel" && rest.length === 3)) {
  console.error("usage: lab_oci_archive.ts busybox OUT.tar | kernel VMLINUX INITRD OUT.tar");
  Deno.exit(2);
}
const sha = (b: Uint8Array) => "sha256:" + createHash("sha256").update(b).digest("hex");
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const blobs: TarMember[] = [];
const blob = (bytes: Uint8Array, mediaType: string) => {
  const digest = sha(bytes);
  blobs.push({ path: `blobs/sha256/${digest.slice(7)}`, content: bytes, mode: 0o644 });
  return { mediaType, digest, size: bytes.length };
};

const layers = kind === "busybox" ? await busyboxLayers() : [
  await gzip(buildTar([
    { path: "kernel/", type: "5", mode: 0o755 },
    { path: "kernel/image", content: Deno.readFileSync(rest[0]), mode: 0o644 },
    { path: "kernel/initrd", content: Deno.readFileSync(rest[1]), mode: 0o644 },
  ])),
];
const config = blob(
  json({
    architecture: "amd64",
    os: "linux",
    config: kind === "busybox" ? { Cmd: ["sh"], Env: ["PATH=/bin"] } : {},
    rootfs: { type: "layers", diff_ids: layers.map((l) => sha(gunzipSync(l))) },
  }),
  "application/vnd.oci.image.config.v1+json",
);
const manifest = blob(
  json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config,
    layers: layers.map((l) => blob(l, "application/vnd.oci.image.layer.v1.tar+gzip")),
  }),
  "application/vnd.oci.image.manifest.v1+json",
);
const index = {
  schemaVersion: 2,
  manifests: [{ ...manifest, annotations: { "org.opencontainers.image.ref.name": "1" } }],
};
Deno.writeFileSync(
  out,
  buildTar([
    { path: "oci-layout", content: json({ imageLayoutVersion: "1.0.0" }), mode: 0o644 },
    { path: "index.json", content: json(index), mode: 0o644 },
    { path: "blobs/", type: "5", mode: 0o755 },
    { path: "blobs/sha256/", type: "5", mode: 0o755 },
    ...blobs,
  ]),
);
