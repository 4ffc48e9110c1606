#!/bin/bash
# The lab's install case, in a dom0 booted with systemd as PID 1 (run.sh install):
# install protect from the bundles, start protect.target, launch a zone and run a
# workload, kill -9 each daemon and see systemd restart it and the zone re-adopted,
# stop protect.target cleanly, uninstall. Prints "ok - …" or "FAILED - …" per step
# and ends with "N passed, N failed"; exit 0 only when every step passed.
set -u
export PATH=/usr/local/bin:/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root NO_COLOR=1 DENO_NO_UPDATE_CHECK=1
passed=0 failed=0
t0=$(cut -d' ' -f1 /proc/uptime)
step() { # step NAME COMMAND...: runs COMMAND, prints its output when it fails
  local name="$1"; shift
  local out; out="$("$@" 2>&1)"
  local rc=$? now; now=$(cut -d' ' -f1 /proc/uptime)
  if [ $rc = 0 ]; then passed=$((passed + 1)); echo "ok - $name (dom0 uptime $now s)"
  else failed=$((failed + 1)); echo "FAILED - $name (exit $rc)"; echo "$out" | tail -20 | sed 's/^/    /'; fi
  return $rc
}
wait_until() { # wait_until SECONDS COMMAND...
  local limit=$1; shift
  for _ in $(seq "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  "$@"
}
sockets_up() { [ -S /run/protect/daemon.sock ] && [ -S /run/protect/storage.sock ] && [ -S /run/protect/network.sock ] \
  && [ -S /run/protect/orchestrator.sock ] && protect host status; }
# protect-orchestrator's tree has the zone's memory and vCPUs from Xen, equal to xl's figures.
metrics_from_xen() {
  local m domid xl_mib mib
  m=$(protect host metrics) || return 1
  echo "$m" | grep -q '^protect_daemon_up{daemon="storage"} 1$' || { echo "$m" | grep daemon_up; return 1; }
  domid=$(protect zone get inst -o json | sed -n 's/.*"domainId": *\([0-9]*\).*/\1/p')
  xl_mib=$(xl list "$domid" | awk 'NR==2 {print $3}')
  # xl shows whole MiB, rounded down.
  mib=$(echo "$m" | awk '/^protect_zone_memory_current_bytes\{zone="inst",/ {printf "%d", $2 / 1048576}')
  [ -n "$xl_mib" ] && [ "$mib" = "$xl_mib" ] ||
    { echo "xl: $xl_mib MiB, metrics: $mib MiB"; echo "$m" | grep 'zone_memory\|zone_vcpus'; return 1; }
  echo "$m" | grep -q '^protect_zone_vcpus_online{zone="inst",.*} [1-9]'
}
main_pid() { systemctl show -p MainPID --value "$1"; }
restarted() { # restarted UNIT OLD_PID: active again under a new PID
  local pid; pid=$(main_pid "$1")
  [ "$(systemctl is-active "$1")" = active ] && [ "$pid" != 0 ] && [ "$pid" != "$2" ]
}
zone_ready() { protect zone get inst -o json | grep -q '"ZONE_STATE_READY"'; }
workload_exits_3() {
  local name="$1" code=0
  protect workload launch --zone inst --name "$name" lab/busybox:1 -- sh -c "echo hi from $name; exit 3" || code=$?
  [ "$code" = 3 ] || { echo "workload $name exited $code, not 3"; return 1; }
}
kill_and_readopt() { # kill_and_readopt UNIT: kill -9 it; systemd restarts it; the zone is still ours
  local unit="$1" pid; pid=$(main_pid "$unit")
  [ "$pid" != 0 ] || { echo "$unit has no main PID"; return 1; }
  kill -9 "$pid"
  wait_until 120 restarted "$unit" "$pid" || { systemctl status "$unit" --no-pager; return 1; }
  wait_until 120 sockets_up || return 1
  wait_until 120 zone_ready || { protect zone get inst -o json; return 1; }
  echo "$unit: PID $pid killed, now $(main_pid "$unit")"
}
units_inactive() {
  for u in protect-daemon protect-storage protect-network protect-orchestrator; do
    local state; state=$(systemctl is-active "$u.service")
    [ "$state" = inactive ] || { echo "$u is $state"; systemctl status "$u.service" --no-pager; return 1; }
  done
  ! systemctl --failed --no-legend | grep -q protect
}

echo "install case: systemd $(systemctl --version | head -1 | cut -d' ' -f2) is PID 1: $(cat /proc/1/comm)"
step "PID 1 is systemd" test "$(cat /proc/1/comm)" = systemd || exit 1
step "install from the bundles" bash /mnt/project/tools/install.sh --dist /mnt/host/dist \
  --deno /usr/local/bin/deno --zone-files /mnt/host/zone || exit 1
step "installed units verify" systemd-analyze verify /etc/systemd/system/protect-daemon.service \
  /etc/systemd/system/protect-storage.service /etc/systemd/system/protect-network.service \
  /etc/systemd/system/protect.target
# The operator's edits (slow zone boots under TCG) survive a second install.
# protect.backend (boot.sh: pv on the lab's nested paging) as session.sh applies it.
backend=$(sed -n 's/.*protect\.backend=\([a-z]*\).*/\1/p' /proc/cmdline)
{
  printf '[zones]\nboot_timeout_ms = 180000\n[zone_defaults]\nmemory_mib = 256\n'
  if [ -n "$backend" ]; then printf 'backend = "%s"\n' "$backend"; fi
} >> /etc/protect/daemon.toml
cp /etc/protect/daemon.toml /tmp/daemon.toml.edited
step "a second install keeps the edited daemon.toml" sh -c 'bash /mnt/project/tools/install.sh --dist /mnt/host/dist \
  --deno /usr/local/bin/deno && cmp /etc/protect/daemon.toml /tmp/daemon.toml.edited && test -f /etc/protect/daemon.toml.dist'
step "systemctl start protect.target" systemctl start protect.target
step "the daemons answer on their sockets" wait_until 180 sockets_up
step "daemon, storage, network and orchestrator run under their units" sh -c \
  'for u in protect-daemon protect-storage protect-network protect-orchestrator; do systemctl is-active $u.service || exit 1; done'
step "image import" protect image import /mnt/host/images/busybox.tar --reference lab/busybox:1
step "zone launch --wait reaches READY" protect zone launch -n inst --wait
step "a workload prints and exits 3" workload_exits_3 first
step "host metrics (protect-orchestrator) has the zone's memory and vCPUs from Xen" metrics_from_xen
for unit in protect-daemon protect-storage protect-network; do
  step "kill -9 $unit: systemd restarts it, the zone is re-adopted" kill_and_readopt "$unit.service"
done
step "a workload in the re-adopted zone" workload_exits_3 after-restarts
step "zone destroy" protect zone destroy inst --wait
step "systemctl stop protect.target" systemctl stop protect.target
step "every unit stopped cleanly (inactive, none failed)" wait_until 30 units_inactive
step "uninstall keeps the state" sh -c 'bash /mnt/project/tools/install.sh --uninstall &&
  test ! -e /usr/local/lib/protect && test ! -e /etc/systemd/system/protect-daemon.service &&
  test -f /var/lib/protect/protect.db && test -f /etc/protect/daemon.toml'
echo "install case took $(awk -v t0="$t0" '{printf "%.0f", $1 - t0}' /proc/uptime) s"
journalctl -u protect-daemon -u protect-storage -u protect-network -u protect-orchestrator --no-pager -o short-monotonic 2>/dev/null \
  > /mnt/host/out/install-journal.log
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
