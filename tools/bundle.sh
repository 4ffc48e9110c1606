#!/usr/bin/env bash
# Builds the protect CLI as one JavaScript file, dist/protect.js, with its launcher dist/protect.
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
# The CLI's grant for the default root, from deno.json's "cli" permission set, plus
# running the one helper `protect machine` uses, found next to the CLI. A launcher
# script rather than a shebang: Linux cuts shebang lines at 255 bytes, and the
# helper's absolute path is only known where the CLI is installed.
flags="$("${DENO:-./denow}" eval --quiet \
  'import { permissionFlags, readPermissionSet } from "./lib/permissions/mod.ts";
   console.log(permissionFlags(readPermissionSet("deno.json", "cli")).join(" "))')"
mv dist/protect.bundle.js dist/protect.js
cat > dist/protect <<LAUNCHER
#!/bin/sh
d=\$(dirname "\$(readlink -f "\$0")")
deno="\$d/deno"; [ -x "\$deno" ] || deno=deno
exec "\$deno" run --quiet $flags --allow-run="\$d/protect-machine" "\$d/protect.js" "\$@"
LAUNCHER
chmod +x dist/protect
# \`protect machine\` runs this helper: QEMU and the lab image need root and tools the CLI must not touch.
printf '#!/bin/sh\nexec bash %s/tools/machine/machine.sh "$@"\n' "$root" > dist/protect-machine
chmod +x dist/protect-machine
echo "built dist/protect (launcher), dist/protect.js ($(wc -c < dist/protect.js) bytes), dist/protect-machine"
