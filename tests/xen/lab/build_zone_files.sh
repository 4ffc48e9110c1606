#!/usr/bin/env bash
# Builds what every Xen zone boots from, into OUT: the kernel (uncompressed vmlinux),
# the stage-1 initrd, and addons.sqfs = the cached base tree (Deno, busybox, crun,
# runc, tini, libraries) + the bundled zone agent, its permission flags (deno.json
# "zone-xen") + zone/init/zone-init.
# Usage: build_zone_files.sh IMAGE_DIR OUT
set -euo pipefail
image="${1:?usage: build_zone_files.sh IMAGE_DIR OUT}"
out="${2:?usage: build_zone_files.sh IMAGE_DIR OUT}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
mkdir -p "$out"
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT
cp -a "$image/addons-base/." "$tree/"
"$root/denow" bundle --quiet --platform deno --minify -o "$tree/agent/zone-agent.js" "$root/zone/main.ts"
# A static node: import would start Deno's Node layer at every zone boot (seconds under TCG).
if grep -q 'from"node:\|from "node:' "$tree/agent/zone-agent.js"; then
  echo "build_zone_files.sh: the zone agent imports a node: module statically; keep Node compat out" >&2
  exit 1
fi
install -m 755 "$root/zone/init/zone-init" "$tree/sbin/zone-init"
# The agent's grant, from deno.json's "zone-xen" set: zone-init passes these flags to deno run.
(cd "$root" && ./denow eval --quiet \
  'import { permissionFlags, readPermissionSet } from "./lib/permissions/mod.ts";
   console.log(permissionFlags(readPermissionSet("deno.json", "zone-xen")).join(" "))') \
  > "$tree/agent/permissions"
rm -f "$out/addons.sqfs"
# lz4: fastest to read under TCG, where the guest pages Deno in from this disk.
mksquashfs "$tree" "$out/addons.sqfs" -comp lz4 -noappend -quiet -all-root >/dev/null
cp "$image/zone-vmlinux" "$image/zone-initrd.cpio.gz" "$out/"
