#!/usr/bin/env bash
# The main job: on a throw-away root, start protect-daemon (process driver) and
# protect-storage, start a local registry with the project's busybox test image,
# launch a zone, run a workload that prints something and exits 3, show its
# output, exit code and logs, and clean up. Exits 0 only when every step did what
# it should.
# The process driver runs zones as namespaced processes: NO hardware isolation
# (zones become Xen guests with the Xen driver). Needs root; installs the Debian
# packages it uses on first run (tools/deps.sh demo).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deno="$here/denow"
if [ "$(id -u)" != 0 ]; then
  echo "demo: needs root (process-driver zones use namespaces, mounts and loop devices); run: sudo bash tools/demo.sh" >&2
  exit 2
fi
bash "$here/tools/deps.sh" demo
root="$(mktemp -d -t protect-demo-XXXX)"
protect() { echo "\$ protect $*" >&2; "$deno" run -A "$here/tools/launch.ts" protect --root "$root" "$@"; }
pids=()
cleanup() {
  protect zone destroy demo --wait >/dev/null 2>&1 || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
fail() { echo "demo: $*" >&2; for log in daemon storage; do echo "== $log.log (tail)" >&2; tail -n 5 "$root/$log.log" >&2 || true; done; exit 1; }
wait_for() {
  for _ in $(seq 300); do { [ -s "$1" ] || [ -S "$1" ]; } && return 0; sleep 0.1; done
  fail "timed out waiting for $1"
}

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
code=0
protect workload launch --zone demo --name hello "$registry/test/busybox:1" -- sh -c 'echo hi from a protect zone; exit 3' || code=$?
echo "(workload exit code: $code)"
[ "$code" = 3 ] || fail "the workload should have exited 3, not $code"
protect workload logs hello
protect workload list
code=0
protect zone launch -n Not_Valid || code=$?
echo "(exit $code: a bad zone name is refused)"
[ "$code" != 0 ] || fail "a bad zone name was accepted"
echo "demo: done"
