#!/usr/bin/env bash
# The main job for now: protect-daemon + CLI lifecycle on a throw-away root,
# fake hypervisor driver (simulated zones: nothing runs, nothing is isolated).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(mktemp -d -t protect-demo-XXXX)"
deno="$here/denow"
protect() { echo "\$ protect $*" >&2; "$deno" run -A "$here/tools/launch.ts" protect --root "$root" "$@"; }

"$deno" run -A "$here/tools/launch.ts" daemon --root "$root" &
daemon=$!
trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; rm -rf "$root"' EXIT
for _ in $(seq 100); do [ -S "$root/run/protect/daemon.sock" ] && break; sleep 0.1; done

protect host status
protect zone launch -n a --wait
protect zone list
protect zone list -o json
protect zone launch -n Not_Valid || echo "(exit $?)"
protect zone get nosuch || echo "(exit $?)"
protect zone destroy a --wait
protect zone list
