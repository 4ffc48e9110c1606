#!/usr/bin/env bash
# Bundles the dom0 programs into single files, each with a launcher script that carries
# its deno.json permission set (default root), for hosts without the source tree or npm
# access — the Xen lab's dom0, and `./denow task install`: dist/protect-daemon-xen,
# dist/protect-storage, dist/protect-network, dist/protect-cri, dist/protect-orchestrator (+ .js).
# A launcher script, not a shebang: Linux cuts shebang lines at 256 bytes, which
# silently dropped grants at the end of the line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p dist
for spec in protect-daemon-xen:daemon-xen:daemon/main.ts protect-storage:storage:storage/main.ts \
  protect-network:network:network/main.ts protect-cri:cri:cri/main.ts \
  protect-orchestrator:orchestrator:orchestrator/main.ts; do
  IFS=: read -r name set entry <<<"$spec"
  "${DENO:-./denow}" bundle --quiet --platform deno -o "dist/$name.js" "$entry"
  flags="$("${DENO:-./denow}" eval --quiet \
    "import { permissionFlags, readPermissionSet, RUN_FLAGS } from './lib/permissions/mod.ts';
     console.log([...RUN_FLAGS, ...permissionFlags(readPermissionSet('deno.json', '$set'))].join(' '))")"
  # The installed layout keeps its own deno beside the programs; the lab's dom0 has one on PATH.
  printf '#!/bin/sh\nd="$(dirname "$0")"; deno="$d/deno"; [ -x "$deno" ] || deno=deno\nexec "$deno" run --quiet %s "$d/%s.js" "$@"\n' \
    "$flags" "$name" > "dist/$name"
  chmod +x "dist/$name"
done
echo "built dist/protect-daemon-xen dist/protect-storage dist/protect-network dist/protect-cri dist/protect-orchestrator"
