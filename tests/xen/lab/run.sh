#!/usr/bin/env bash
# The Xen lab from the host: build (or reuse) the cached image, build the zone files
# and the dom0 programs from this checkout, boot Xen + dom0 under QEMU, run
# `session.sh MODE` inside, and report. A boot that never reaches dom0 (a TCG hiccup)
# is retried once. Exit code: the session's.
# Usage: tests/xen/lab/run.sh [MODE...]   MODE: e2e (default), install, bench, smoke, script
# install: dom0 boots with systemd as PID 1 and tests/xen/lab/install_case.sh runs the
# installer, the units and protect.target against real Xen. Several modes run one lab
# boot each, in order, and end with the summed "N passed, N failed".
# Artifacts: $PROTECT_LAB_OUT (default /tmp/protect-lab)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -gt 1 ]; then
  passed=0 failed=0 rc=0
  for m in "$@"; do
    log="$(mktemp)"
    bash "$here/run.sh" "$m" | tee "$log" || rc=1
    line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    rm -f "$log"
    [ -n "$line" ] || { echo "xen-lab: mode $m printed no summary" >&2; rc=1; continue; }
    passed=$((passed + $(echo "$line" | cut -d' ' -f1))); failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  done
  echo "$passed passed, $failed failed"
  [ "$passed" -gt 0 ] || rc=1
  exit "$rc"
fi
mode="${1:-e2e}"
root="$(cd "$here/../../.." && pwd)"
share="${PROTECT_LAB_OUT:-/tmp/protect-lab}"
t0=$(date +%s)
say() { echo "xen-lab: $* (+$(( $(date +%s) - t0 )) s)" >&2; }

bash "$root/tools/deps.sh" lab
image="$(bash "$here/build_image.sh" | tail -1)"
say "image $image"
bash "$here/prepare_share.sh" "$image" "$share" "$mode"
# Mode "script": run PROTECT_LAB_SCRIPT (a sh script) in dom0 after the daemons are up.
[ "$mode" = script ] && cp "${PROTECT_LAB_SCRIPT:?script mode needs PROTECT_LAB_SCRIPT=file}" "$share/script.sh"
say "zone files, programs and test image ready"

[ "$mode" = install ] && export PROTECT_LAB_DOM0_ARGS="protect.init=systemd"
for attempt in 1 2; do
  rm -rf "$share/out" && mkdir -p "$share/out"
  bash "$here/boot.sh" "$image" "$share" > "$share/serial.log" 2>&1 || true
  if grep -qa "LAB-DOM0-READY" "$share/serial.log"; then break; fi
  say "boot $attempt did not reach dom0; serial log tail:"; tail -5 "$share/serial.log" >&2
done
say "lab finished"
cat "$share/out/run.log" 2>/dev/null || true
rc=$(grep -ao "LAB-RUN-EXIT rc=[0-9]*" "$share/serial.log" | tail -1 | cut -d= -f2)
[ -f "$share/out/bench.log" ] && cat "$share/out/bench.log"
[ -f "$share/out/script.log" ] && cat "$share/out/script.log"
[ -f "$share/out/install.log" ] && cat "$share/out/install.log"
if [ -f "$share/out/e2e.log" ]; then
  cat "$share/out/e2e.log"
  [ -f "$share/out/timings.json" ] && { echo "timings (ms):"; cat "$share/out/timings.json"; echo; }
  # The plain summary line CI reads, from Deno's "ok | N passed | N failed".
  counts=$(grep -ao '[0-9]* passed | [0-9]* failed' "$share/out/e2e.log" | tail -1)
  passed=$(echo "$counts" | awk '{print $1}'); failed=$(echo "$counts" | awk '{print $4}')
  echo "${passed:-0} passed, ${failed:-0} failed"
  [ "${passed:-0}" -gt 0 ] || rc=1
fi
exit "${rc:-1}"
