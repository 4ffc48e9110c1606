#!/bin/busybox sh
# Stage 1 of a protect zone (the initrd): load the Xen (block, net, vchan) and filesystem
# (squashfs, erofs, overlay, ext4 for volumes, 9p) modules and pcifront (PCI passthrough), mount the addons disk (xvda,
# read-only squashfs) and switch_root into it. switch_root, because
# container runtimes need pivot_root, which an initramfs root does not allow.
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
# In dependency order (busybox insmod does not resolve them).
for m in xen-evtchn xen-gntdev xen-gntalloc xen-blkfront xen-netfront squashfs overlay \
  crc16 mbcache jbd2 crc32c_generic ext4 libcrc32c erofs netfs fscache 9pnet 9pnet_xen 9p \
  xen-pcifront; do
  $B insmod /mods/$m.ko || echo "protect-zone: insmod $m failed"
done
i=0; while [ ! -b /dev/xvda ] && [ $i -lt 600 ]; do $B sleep 0.05; i=$((i+1)); done
if ! $B mount -t squashfs -o ro /dev/xvda /newroot; then
  echo "protect-zone: cannot mount the addons disk /dev/xvda"; $B poweroff -f
fi
$B mount --move /dev /newroot/dev
$B umount /sys; $B umount /proc
exec $B switch_root /newroot /sbin/zone-init
