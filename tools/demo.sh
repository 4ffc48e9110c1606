#!/usr/bin/env bash
# The main job for now: protect-daemon + protect-storage + CLI on a throw-away
# root. Zones use the fake hypervisor driver (simulated: nothing runs, nothing
# is isolated); images are real: pulled from a local registry and packed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(mktemp -d -t protect-demo-XXXX)"
deno="$here/denow"
protect() { echo "\$ protect $*" >&2; "$deno" run -A "$here/tools/launch.ts" protect --root "$root" "$@"; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
wait_for() { for _ in $(seq 200); do [ -e "$1" ] && return 0; sleep 0.1; done; echo "timed out waiting for $1" >&2; exit 1; }

mkdir -p "$root/run/protect" "$root/var/lib/protect" "$root/etc/protect"
"$deno" run -A "$here/tools/launch.ts" daemon --root "$root" & pids+=($!)
"$deno" run -A "$here/tools/launch.ts" storage --root "$root" & pids+=($!)
wait_for "$root/run/protect/daemon.sock"
wait_for "$root/run/protect/storage.sock"

protect host status
protect zone launch -n a --wait
protect zone list
protect zone launch -n Not_Valid || echo "(exit $?)"
protect zone get nosuch || echo "(exit $?)"

if command -v docker-registry >/dev/null; then
  out="$(mktemp)"
  "$deno" run -A "$here/tools/test_registry.ts" > "$out" & pids+=($!)
  for _ in $(seq 300); do [ -s "$out" ] && break; sleep 0.1; done
  registry="$(head -n1 "$out")"
  protect image pull "$registry/test/busybox:1"
  protect image list
else
  echo "(docker-registry not installed: skipping the image part; apt-get install docker-registry)" >&2
fi

protect zone destroy a --wait
protect zone list
