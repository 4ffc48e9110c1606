#!/bin/sh
# Xen 9pfs probe (run in dom0 by `PROTECT_LAB_SCRIPT=tests/xen/lab/ninep_probe.sh
# tests/xen/lab/run.sh script`): boots one PV guest from the zone kernel, initrd and addons
# disk with a libxl `p9` share of a dom0 directory (QEMU, xen-qemu-system-i386, is the backend
# in Xen 4.17), then, through the shell the zone keeps on its console, mounts the share
# (9pnet_xen), reads a host file and writes one back. Prints PASS or FAIL; exit 0 on PASS.
share=/srv/protect-9p
mkdir -p $share && echo hello-9p > $share/hello && rm -f $share/back
cat > /tmp/9p.cfg <<CFG
name = "ninep"
type = "pv"
kernel = "/var/lib/protect/xen/zone-vmlinux"
ramdisk = "/var/lib/protect/xen/zone-initrd.cpio.gz"
extra = "console=hvc0 protect.zone=ninep"
memory = 256
vcpus = 1
disk = [ 'format=raw,vdev=xvda,access=ro,script=/etc/protect/xen/block-protect,target=/var/lib/protect/xen/addons.sqfs' ]
p9 = [ 'tag=share,security_model=none,path=$share' ]
CFG
xl create /tmp/9p.cfg || { echo "FAIL: xl create"; exit 1; }
domid=$(xl domid ninep)
echo "9pfs backend: $(xenstore-read /local/domain/0/backend/9pfs/$domid/0/state 2>/dev/null) (4 = connected)"
tty=$(xenstore-read /local/domain/$domid/console/tty)
i=0; until grep -q "agent started" /var/log/xen/console/guest-ninep.log 2>/dev/null || [ $i -gt 120 ]; do
  sleep 1; i=$((i+1)); done
type() { printf '%s\r' "$1" > "$tty"; sleep "$2"; }
type "" 2
type "mkdir -p /tmp/share && mount -t 9p -o trans=xen,version=9p2000.L share /tmp/share; echo mount-rc=\$?" 20
type "cat /tmp/share/hello" 10
type "echo from-guest > /tmp/share/back; echo write-rc=\$?" 10
log=/var/log/xen/console/guest-ninep.log
grep -a "mount-rc=\|hello-9p\|write-rc=" $log | tail -4
xl destroy ninep
if grep -aq "mount-rc=0" $log && grep -aq "^.*hello-9p" $log && [ "$(cat $share/back 2>/dev/null)" = from-guest ]; then
  echo "PASS: the guest read the host's file over 9pfs, and the host read the guest's"
  exit 0
fi
echo "FAIL: see $log"; exit 1
