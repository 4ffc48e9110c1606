#!/usr/bin/env bash
# Fills a lab share (what dom0 mounts as /mnt/host) from this checkout: the zone boot
# files, the bundled CLI and dom0 daemons (daemon, storage, network), the busybox test
# image and a zone kernel image, and run.sh, which starts `session.sh MODE` in dom0. Used by run.sh (tests, benches) and by protect machine.
# Usage: prepare_share.sh IMAGE_DIR SHARE MODE
set -euo pipefail
image="${1:?usage: prepare_share.sh IMAGE_DIR SHARE MODE}"
share="${2:?usage: prepare_share.sh IMAGE_DIR SHARE MODE}"
mode="${3:?usage: prepare_share.sh IMAGE_DIR SHARE MODE}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
rm -rf "$share" && mkdir -p "$share"/{out,zone,images,dist}
bash "$here/build_zone_files.sh" "$image" "$share/zone"
(cd "$root" && bash tools/bundle.sh >/dev/null && bash tools/bundle_programs.sh >/dev/null)
cp "$root"/dist/protect "$root"/dist/protect.js "$root"/dist/protect-daemon-xen* \
  "$root"/dist/protect-storage* "$root"/dist/protect-network* "$root"/dist/protect-cri* "$root"/dist/protect-orchestrator* \
  "$share/dist/"
# The CRI case (tests/xen/cri_pod_case.ts) with its npm client code, for dom0 (no npm there).
"$root/denow" bundle --quiet --platform deno -o "$share/dist/cri-pod-case.js" "$root/tests/xen/cri_pod_case.ts"
"$root/denow" run -A "$here/lab_oci_archive.ts" busybox "$share/images/busybox.tar"
# The zones' own kernel and initrd as a kernel image: the e2e case boots a zone from it by reference.
"$root/denow" run -A "$here/lab_oci_archive.ts" kernel "$image/zone-vmlinux" "$image/zone-initrd.cpio.gz" \
  "$share/images/zone-kernel.tar"
# A spare disk dom0 sees as /dev/vda: the block device the e2e device case gives to a zone.
truncate -s 64M "$share/extra-disk.img"
printf '#!/bin/sh\nexec /mnt/project/tests/xen/lab/session.sh %s\n' "$mode" > "$share/run.sh"
chmod +x "$share/run.sh"
