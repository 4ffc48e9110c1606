import { buildTar, gzip, type TarMember } from "./tar_builder.ts";

/**
 * A two-layer image built from Debian's static busybox (package
 * busybox-static): the project's own test image, no network needed.
 */
export async function busyboxLayers(extra: TarMember[] = []): Promise<Uint8Array[]> {
  const busybox = Deno.readFileSync("/bin/busybox");
  const base = buildTar([
    { path: "bin/", type: "5", mode: 0o755 },
    { path: "bin/busybox", content: busybox, mode: 0o755 },
    { path: "bin/sh", type: "2", linkname: "busybox" },
    // A hard link records its target's mode, as tar(1) writes it (containerd applies it).
    { path: "bin/echo", type: "1", linkname: "bin/busybox", mode: 0o755 },
    { path: "etc/", type: "5", mode: 0o755 },
    { path: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\n", mode: 0o644 },
    { path: "etc/old.conf", content: "old\n" },
    { path: "tmp/", type: "5", mode: 0o1777 },
    { path: "dev/", type: "5", mode: 0o755 },
    { path: "dev/null", type: "3", mode: 0o666, devmajor: 1, devminor: 3 },
  ]);
  const top = buildTar([
    { path: "etc/.wh.old.conf" },
    { path: "etc/motd", content: "hello from protect\n", mode: 0o600, uid: 1000, gid: 1000 },
    ...extra,
  ]);
  return [await gzip(base), await gzip(top)];
}
