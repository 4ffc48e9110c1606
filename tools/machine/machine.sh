#!/usr/bin/env bash
# protect machine: a local Xen host for machines without Xen (like podman machine).
# Boots the Xen lab (Xen 4.17 + Debian dom0 under QEMU) in the background with the
# real daemons inside, and forwards the daemon's API to /run/protect/daemon.sock here,
# so the host's `protect` CLI drives zones on real Xen. Needs root and the lab's
# host packages (docs/xen.md).
# Usage: machine.sh start [--memory MiB] | stop | status | logs [-f]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lab="$root/tests/xen/lab"
dir="${PROTECT_MACHINE_DIR:-/var/lib/protect-machine}"
socket=/run/protect/daemon.sock
port="${PROTECT_MACHINE_PORT:-17070}"
deno="$root/denow"
die() { echo "protect machine: $*" >&2; exit 1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
answering() { "$deno" run --quiet -A "$root/protect/main.ts" host status >/dev/null 2>&1; }

start() {
  local memory=6144
  while [ $# -gt 0 ]; do
    case "$1" in
      --memory) memory="${2:?--memory needs MiB}"; shift 2 ;;
      *) die "unknown option $1 (start takes --memory MiB)" ;;
    esac
  done
  alive "$dir/qemu.pid" && die "already running (protect machine status; protect machine stop)"
  bash "$root/tools/deps.sh" lab || exit $?
  if [ -S "$socket" ] && answering; then die "a protect-daemon already answers on $socket; stop it first"; fi
  # Root only: the share holds the machine's secret (below).
  mkdir -p -m 0700 "$dir" && chmod 0700 "$dir" && mkdir -p /run/protect
  echo "protect machine: preparing the image (cached after the first build, ~2 min)" >&2
  image="$(bash "$lab/build_image.sh" | tail -1)" || die "the machine image could not be built (see above)"
  share="$dir/share"
  bash "$lab/prepare_share.sh" "$image" "$share" machine
  # The loopback port QEMU forwards is open to every local user: the forwarder in dom0
  # drops any connection that does not start with this secret, which only root can read.
  (umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$share/machine.secret")
  PROTECT_LAB_MEMORY_MB="$memory" PROTECT_LAB_TIMEOUT=0 \
    PROTECT_LAB_NET="hostfwd=tcp:127.0.0.1:$port-:7070" \
    setsid bash "$lab/boot.sh" "$image" "$share" > "$dir/serial.log" 2>&1 < /dev/null &
  echo $! > "$dir/qemu.pid"
  setsid "$deno" run -A "$root/tools/machine/forward.ts" --listen "unix:$socket" \
    --to "tcp:127.0.0.1:$port" --send-secret "$share/machine.secret" \
    > "$dir/forward.log" 2>&1 < /dev/null &
  echo $! > "$dir/forward.pid"
  # The socket is 0660: root, and the protect group where the host has one (protect host install).
  for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
  getent group protect >/dev/null && chgrp protect "$socket"
  echo "protect machine: booting Xen (under TCG this takes about a minute)" >&2
  for _ in $(seq 240); do
    answering && { echo "protect machine: running; the protect CLI now talks to the daemon inside" >&2; return 0; }
    alive "$dir/qemu.pid" || { tail -20 "$dir/serial.log" >&2; die "the machine stopped while booting (log: $dir/serial.log)"; }
    sleep 1
  done
  die "the daemon inside did not answer within 240 s (protect machine logs)"
}

stop() {
  alive "$dir/qemu.pid" || { echo "protect machine: not running" >&2; return 0; }
  touch "$dir/share/stop"   # session.sh powers dom0 off cleanly when it sees this
  for _ in $(seq 60); do alive "$dir/qemu.pid" || break; sleep 1; done
  alive "$dir/qemu.pid" && { echo "protect machine: no clean poweroff within 60 s; killing QEMU" >&2; pkill -P "$(cat "$dir/qemu.pid")" || true; kill "$(cat "$dir/qemu.pid")" || true; }
  alive "$dir/forward.pid" && kill "$(cat "$dir/forward.pid")"
  rm -f "$dir/qemu.pid" "$dir/forward.pid" "$socket"
  echo "protect machine: stopped" >&2
}

status() {
  if ! alive "$dir/qemu.pid"; then echo "stopped"; return 3; fi
  if answering; then
    echo "running (QEMU pid $(cat "$dir/qemu.pid"), API on $socket)"
    "$deno" run --quiet -A "$root/protect/main.ts" host status
  else
    echo "starting (QEMU pid $(cat "$dir/qemu.pid"); the daemon inside does not answer yet)"
  fi
}

logs() {
  [ -f "$dir/serial.log" ] || die "no machine has run here ($dir)"
  if [ "${1:-}" = "-f" ]; then exec tail -f "$dir/serial.log" "$dir/share/out/daemon.log"; fi
  echo "== console (Xen and dom0)"; tail -n 40 "$dir/serial.log"
  echo "== protect-daemon"; tail -n 40 "$dir/share/out/daemon.log" 2>/dev/null || true
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  logs) shift; logs "$@" ;;
  *) echo "usage: machine.sh start [--memory MiB] | stop | status | logs [-f]" >&2; exit 2 ;;
esac
