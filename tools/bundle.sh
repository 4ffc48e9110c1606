#!/usr/bin/env bash
# Builds the protect CLI as one JavaScript file with a shebang: dist/protect.
# (`deno compile` would make a native binary, but it downloads a runtime these
# build machines cannot reach; `./denow task compile` does it where it can.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p dist
# --platform browser: npm packages resolve to their ESM browser builds and no
# node: import can sneak in. Deno's Node compatibility layer costs ~50 ms at
# start-up once anything touches it; the CLI must start fast.
"${DENO:-./denow}" bundle --platform browser --minify -o dist/protect.bundle.js protect/main.ts
if grep -q '"node:' dist/protect.bundle.js; then
  echo "bundle.sh: the CLI bundle imports a node: module; keep Node compat out of the CLI" >&2
  exit 1
fi
# The CLI's grant for the default root, from deno.json's "cli" permission set.
flags="$("${DENO:-./denow}" eval --quiet \
  'import { permissionFlags, readPermissionSet } from "./lib/permissions/mod.ts";
   console.log(permissionFlags(readPermissionSet("deno.json", "cli")).join(" "))')"
{
  echo "#!/usr/bin/env -S deno run $flags"
  cat dist/protect.bundle.js
} > dist/protect
rm dist/protect.bundle.js
chmod +x dist/protect
# Linux cuts a shebang line at 255 bytes: a cut grant would fail at run time, not here.
if [ "$(head -n1 dist/protect | wc -c)" -gt 255 ]; then
  echo "bundle.sh: the shebang of dist/protect is over 255 bytes; shorten the cli permission set" >&2
  exit 1
fi
# `protect machine` runs this helper, the one program the CLI's grant allows.
printf '#!/bin/sh\nexec bash %s/tools/machine/machine.sh "$@"\n' "$root" > dist/protect-machine
chmod +x dist/protect-machine
echo "built dist/protect ($(wc -c < dist/protect) bytes)"
