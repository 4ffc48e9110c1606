#!/usr/bin/env bash
# The main job: on a throw-away root, start protect-daemon (process driver) and
# protect-storage, start a local registry with the project's busybox test image,
# launch a zone, run a workload that prints something and exits 3, show its
# output, exit code and logs, and clean up.
# The process driver runs zones as namespaced processes: NO hardware isolation
# (zones become Xen guests with the Xen driver). Needs root, runc, unshare and
# Debian's docker-registry + busybox-static (see README).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(mktemp -d -t protect-demo-XXXX)"
deno="$here/denow"
protect() { echo "\$ protect $*" >&2; "$deno" run -A "$here/tools/launch.ts" protect --root "$root" "$@"; }
pids=()
cleanup() {
  protect zone destroy demo --wait >/dev/null 2>&1 || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
wait_for() { for _ in $(seq 300); do [ -s "$1" ] || [ -S "$1" ] && return 0; sleep 0.1; done; echo "timed out waiting for $1" >&2; exit 1; }

mkdir -p "$root/run/protect" "$root/var/lib/protect" "$root/etc/protect"
printf '[daemon]\ndriver = "process"\n' > "$root/etc/protect/daemon.toml"
"$deno" run -A "$here/tools/launch.ts" daemon-process --root "$root" 2>"$root/daemon.log" & pids+=($!)
"$deno" run -A "$here/tools/launch.ts" storage --root "$root" 2>"$root/storage.log" & pids+=($!)
out="$root/registry.out"
"$deno" run -A "$here/tools/test_registry.ts" > "$out" & pids+=($!)
wait_for "$root/run/protect/daemon.sock"
wait_for "$root/run/protect/storage.sock"
wait_for "$out"
registry="$(head -n1 "$out")"

protect host status
protect zone launch -n demo --wait
protect image pull "$registry/test/busybox:1"
protect workload launch --zone demo --name hello "$registry/test/busybox:1" -- sh -c 'echo hi from a protect zone; exit 3'
echo "(workload exit code: $?)"
protect workload logs hello
protect workload list
protect zone launch -n Not_Valid || echo "(exit $?)"
