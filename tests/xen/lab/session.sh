#!/bin/sh
# Runs inside the lab's dom0 (from /mnt/host/run.sh): install the zone files and the
# hotplug scripts, start protect-network, protect-storage, protect-daemon (Xen driver) and
# protect-orchestrator (metrics), import the busybox test image, then run what was asked: `e2e`
# (tests/xen/e2e_test.ts) or `bench` (bench/xen_idm_bench.ts, bench/xen_launch_bench.ts).
# Logs land in /mnt/host/out/.
export PATH=/usr/lib/xen-4.17/bin:/mnt/host/dist:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root DENO_DIR=/tmp/deno NO_COLOR=1 DENO_NO_UPDATE_CHECK=1
out=/mnt/host/out
mode="${1:-e2e}"
stamp() { echo "lab: $* (dom0 uptime $(cut -d' ' -f1 /proc/uptime) s)"; }

stamp "session $mode starting"
if [ "$mode" = install ]; then
  # systemd is PID 1 (run.sh boots dom0 with protect.init=systemd): the installer and the
  # units start the daemons, not this script.
  bash /mnt/project/tests/xen/lab/install_case.sh > $out/install.log 2>&1; rc=$?
  stamp "session install done rc=$rc"
  cp /var/lib/protect/libxl.log $out/ 2>/dev/null
  exit $rc
fi
mkdir -p /var/lib/protect/xen /etc/protect/xen /run/protect
# Local copies: libxenguest reads the kernel far faster from tmpfs than over 9p.
cp /mnt/host/zone/zone-vmlinux /mnt/host/zone/zone-initrd.cpio.gz /mnt/host/zone/addons.sqfs /var/lib/protect/xen/
install -m 755 /mnt/project/deploy/xen/block-protect /mnt/project/deploy/xen/vif-protect /etc/protect/xen/
cat > /etc/protect/daemon.toml <<TOML
[daemon]
driver = "xen"
log_level = "debug"
[zone_defaults]
memory_mib = 256
cpus = 1
[zones]
boot_timeout_ms = 180000
TOML
# protect.backend=auto|pvh|pv on dom0's command line (boot.sh): the zones' default type.
backend=$(sed -n 's/.*protect\.backend=\([a-z]*\).*/\1/p' /proc/cmdline)
[ -n "$backend" ] && sed -i "s/^\[zone_defaults\]\$/[zone_defaults]\nbackend = \"$backend\"/" /etc/protect/daemon.toml
stamp "files installed"

start_daemons() {
  protect-network >>$out/network.log 2>&1 &
  echo $! > /run/network.pid
  protect-storage >>$out/storage.log 2>&1 &
  echo $! > /run/storage.pid
  protect-daemon-xen >>$out/daemon.log 2>&1 &
  echo $! > /run/daemon.pid
  protect-orchestrator >>$out/orchestrator.log 2>&1 &
  echo $! > /run/orchestrator.pid
  i=0; while [ ! -S /run/protect/daemon.sock ] || [ ! -S /run/protect/storage.sock ] \
    || [ ! -S /run/protect/network.sock ] || [ ! -S /run/protect/orchestrator.sock ]; do
    i=$((i+1)); [ $i -gt 120 ] && { stamp "daemons did not come up"; return 1; }; sleep 1
  done
  stamp "daemons up"
}
start_daemons || exit 1
if [ "$mode" = machine ]; then
  # protect machine: the API on the virtual NIC (QEMU forwards a host port to it), until stopped,
  # for connections that start with the machine's secret (tools/machine/forwarder.ts).
  ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
  deno run --no-config -A /mnt/project/tools/machine/forward.ts --listen tcp:0.0.0.0:7070 \
    --to unix:/run/protect/daemon.sock --require-secret /mnt/host/machine.secret >> $out/forward.log 2>&1 &
  stamp "machine ready: API on 10.0.2.15:7070"
  while [ ! -e /mnt/host/stop ]; do sleep 2; done
  stamp "machine stopping"
  protect zone list -o json > $out/zones-at-stop.json 2>&1
  kill $(cat /run/daemon.pid) $(cat /run/storage.pid) $(cat /run/network.pid) \
    $(cat /run/orchestrator.pid) 2>/dev/null
  exit 0
fi
protect image import /mnt/host/images/busybox.tar --reference lab/busybox:1 > $out/import.log 2>&1 \
  || { stamp "image import failed"; cat $out/import.log; exit 1; }
stamp "image imported"

case "$mode" in
  e2e) deno test --no-config -A --quiet /mnt/project/tests/xen/e2e_test.ts > $out/e2e.log 2>&1; rc=$? ;;
  bench)
    deno run --no-config -A /mnt/project/bench/xen_idm_bench.ts > $out/bench.log 2>&1; rc=$?
    deno run --no-config -A /mnt/project/bench/xen_launch_bench.ts >> $out/bench.log 2>&1 || rc=1 ;;
  smoke)
    protect host status; protect zone launch -n smoke --wait; rc=$?
    protect zone list
    protect workload launch --zone smoke lab/busybox:1 -- sh -c 'echo hi from xen; exit 3'; echo "workload rc=$?"
    protect zone logs smoke | tail -30
    protect zone destroy smoke --wait
    xl list; losetup -a
    ;;
  script) sh /mnt/host/script.sh > $out/script.log 2>&1; rc=$? ;;   # ad-hoc: PROTECT_LAB_SCRIPT=file
  *) stamp "unknown mode $mode"; rc=2 ;;
esac
stamp "session $mode done rc=$rc"
cp /var/lib/protect/libxl.log $out/ 2>/dev/null
cp -r /var/log/xen/console $out/consoles 2>/dev/null
kill $(cat /run/daemon.pid) $(cat /run/storage.pid) $(cat /run/network.pid) $(cat /run/orchestrator.pid) 2>/dev/null
sleep 1
exit $rc
