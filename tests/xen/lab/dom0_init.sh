#!/bin/sh
# /init of the lab's dom0 initramfs (Debian minbase + xen-utils + systemd): bring up
# xenstored (oxenstored) and xenconsoled, mount the host's shares over 9p, run the session script.
# With protect.init=systemd on dom0's command line, hand PID 1 to systemd instead
# (tests/xen/lab/dom0_systemd.sh, from the project share), which runs the session.
export PATH=/usr/lib/xen-4.17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
for d in /run /tmp /dev/shm /var/lib/protect; do mkdir -p $d; mount -t tmpfs tmpfs $d; done
echo "LAB-DOM0-INIT uptime=$(cut -d' ' -f1 /proc/uptime)"
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback \
         virtio_pci virtio_net virtio_blk 9pnet_virtio 9p tun veth loop squashfs overlay xen-pciback; do
  modprobe $m || echo "modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen
mkdir -p /run/xenstored /run/xen /var/run/xen /var/log/xen/console /var/lib/xen /var/lib/xenstored
# oxenstored (OCaml, memory-safe) as Debian's init script prefers it; protect.xenstored=c on
# dom0's command line (PROTECT_LAB_DOM0_ARGS) runs the C xenstored instead, to compare.
xenstored=oxenstored
grep -q "protect.xenstored=c" /proc/cmdline && xenstored=xenstored
XENSTORED_ROOTDIR=/run/xenstored /usr/lib/xen-4.17/bin/$xenstored --pid-file /run/xenstore.pid
i=0; while ! xenstore-ls / >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.1; done
/usr/lib/xen-4.17/bin/xen-init-dom0
/usr/lib/xen-4.17/bin/xenconsoled --pid-file /run/xenconsoled.pid --log=guest \
  --log-dir=/var/log/xen/console --timestamp=guest
hostname dom0
ip link set lo up
mkdir -p /mnt/host /mnt/project
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 host /mnt/host || echo "9p mount of host failed"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro project /mnt/project || echo "9p mount of project failed"
echo "LAB-DOM0-READY uptime=$(cut -d' ' -f1 /proc/uptime) xenstored=$xenstored"
if grep -q "protect.init=systemd" /proc/cmdline; then . /mnt/project/tests/xen/lab/dom0_systemd.sh; fi
if [ -x /mnt/host/run.sh ]; then
  mkdir -p /mnt/host/out
  /mnt/host/run.sh > /mnt/host/out/run.log 2>&1
  echo "LAB-RUN-EXIT rc=$?"
else
  setsid sh -c 'exec sh </dev/hvc0 >/dev/hvc0 2>&1'
fi
sync
echo "LAB-DOM0-POWEROFF uptime=$(cut -d' ' -f1 /proc/uptime)"
busybox poweroff -f
