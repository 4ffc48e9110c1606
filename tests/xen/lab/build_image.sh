#!/usr/bin/env bash
# Builds the Xen lab's base image from Debian packages, cached by the content hash of its
# inputs: Xen 4.17 (ELF for QEMU's multiboot loader), the Debian kernel (dom0 and zones),
# a dom0 initramfs (debootstrap minbase + xen-utils + Deno), the zones' stage-1 initrd, and
# the base tree of the zones' addons disk (Deno, busybox, runc, crun, tini, libraries).
# Prints the cache directory on its last line (`--check`: exit 0 if it is already cached).
# Needs root, apt, debootstrap, cpio, xz, busybox-static, squashfs-tools.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache_root="${PROTECT_LAB_CACHE:-/var/cache/protect-lab}"
DEB_SUITE=bookworm
MIRROR="${PROTECT_LAB_MIRROR:-http://deb.debian.org/debian}"
DOM0_PACKAGES=qemu-system-xen,xen-utils-4.17,xenstore-utils,busybox,kmod,procps,iproute2,util-linux,squashfs-tools,erofs-utils,e2fsprogs,nftables,attr,systemd,systemd-sysv
GUEST_PACKAGES="runc crun tini libseccomp2 libyajl2 libcap2 bsdutils"
deno_bin="$("$root/denow" eval 'console.log(Deno.execPath())' 2>/dev/null)"

key=$(cat "$0" "$here/dom0_init.sh" "$here/zone_init1.sh" <(echo "$DOM0_PACKAGES $GUEST_PACKAGES") \
  <("$deno_bin" --version) | sha256sum | cut -c1-16)
out="$cache_root/$key"
if [ -f "$out/.complete" ]; then echo "$out"; exit 0; fi
# --check: only say whether the image for these inputs is cached (exit 0) or not (1).
[ "${1:-}" = "--check" ] && exit 1
log() { echo "lab-image: $*" >&2; }
t0=$(date +%s)
work="$cache_root/build-$key"
rm -rf "$work" && mkdir -p "$work"/{debs,x} && cd "$work"

log "downloading Xen, the kernel and the guest tools"
kver=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
kver=${kver#linux-image-}
(cd debs && timeout 600 apt-get download -q xen-hypervisor-4.17-amd64 "linux-image-$kver" $GUEST_PACKAGES >&2)
for f in debs/*.deb; do dpkg-deb -x "$f" x; done
zcat x/boot/xen-4.17-amd64.gz > xen.elf          # QEMU's multiboot loader takes only an ELF
cp "x/boot/vmlinuz-$kver" dom0-vmlinuz
# Zones boot an uncompressed vmlinux: libxenguest's XZ decompression is slow under TCG.
off=$(grep -abo $'\xfd7zXZ' dom0-vmlinuz | head -1 | cut -d: -f1)
tail -c +$((off + 1)) dom0-vmlinuz | xz -dc --single-stream > zone-vmlinux 2>/dev/null || true
[ -s zone-vmlinux ] || { log "could not extract vmlinux from the kernel"; exit 1; }

log "debootstrap of the dom0 root (about 2 minutes)"
timeout 1500 debootstrap --variant=minbase --include="$DOM0_PACKAGES" "$DEB_SUITE" dom0root "$MIRROR" >debootstrap.log 2>&1 \
  || { tail -20 debootstrap.log >&2; exit 1; }

log "dom0 initramfs"
M="x/lib/modules/$kver"
S=dom0root
rm -rf $S/usr/share/{doc,man,info,locale} $S/var/cache/apt/* $S/var/lib/apt/lists/*
mkdir -p "$S/lib/modules/$kver/kernel"
cp "$M"/modules.order "$M"/modules.builtin "$M"/modules.builtin.modinfo "$S/lib/modules/$kver/" 2>/dev/null || true
for d in drivers/xen drivers/block drivers/net/xen-netback drivers/net/tun.ko drivers/net/veth.ko drivers/net/virtio_net.ko \
  drivers/net/net_failover.ko net/core/failover.ko drivers/virtio drivers/char \
  fs/9p fs/netfs fs/fscache fs/squashfs fs/overlayfs net/9p net/bridge net/802 net/llc net/netfilter net/ipv4 net/ipv6 arch lib crypto; do
  [ -e "$M/kernel/$d" ] || continue
  mkdir -p "$S/lib/modules/$kver/kernel/$(dirname $d)"
  cp -a "$M/kernel/$d" "$S/lib/modules/$kver/kernel/$(dirname $d)/"
done
chroot $S /sbin/depmod "$kver"
install -m 755 "$here/dom0_init.sh" $S/init
install -m 755 "$deno_bin" $S/usr/local/bin/deno
echo dom0 > $S/etc/hostname
(cd $S && find . | cpio -H newc -o --quiet) > dom0.cpio

log "zone stage-1 initrd"
I=zone-initrd-tree; rm -rf $I; mkdir -p $I/{bin,dev,proc,sys,newroot,mods}
cp /bin/busybox $I/bin/
# ext4 (volumes) with what it needs; erofs (images in either format); 9p over Xen (host-directory shares).
for m in drivers/block/xen-blkfront drivers/net/xen-netfront fs/squashfs/squashfs fs/overlayfs/overlay \
  drivers/xen/xen-evtchn drivers/xen/xen-gntdev drivers/xen/xen-gntalloc \
  lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4 lib/libcrc32c fs/erofs/erofs \
  fs/netfs/netfs fs/fscache/fscache net/9p/9pnet net/9p/9pnet_xen fs/9p/9p drivers/pci/xen-pcifront; do
  cp "$M/kernel/$m.ko" $I/mods/
done
install -m 755 "$here/zone_init1.sh" $I/init
(cd $I && find . | cpio -H newc -o --quiet | gzip -9) > zone-initrd.cpio.gz

log "zone addons base tree"
A=addons-base; rm -rf $A; mkdir -p $A/{bin,sbin,usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,lib64,proc,sys,dev,run,tmp,etc,root,agent}
ln -s usr/lib $A/lib
cp /bin/busybox $A/bin/busybox
for a in $(/bin/busybox --list); do [ -e "$A/bin/$a" ] || ln -s busybox "$A/bin/$a"; done
cp "$deno_bin" $A/usr/bin/deno
cp x/usr/sbin/runc $A/usr/sbin/runc; cp x/usr/bin/crun $A/usr/bin/crun; cp x/usr/bin/tini-static $A/sbin/tini
cp x/usr/bin/script $A/usr/bin/script   # util-linux script(1) for `exec -t`; busybox's lacks -e
L=$A/usr/lib/x86_64-linux-gnu
for b in "$deno_bin" x/usr/sbin/runc x/usr/bin/crun x/usr/bin/script; do
  for l in $(LD_LIBRARY_PATH=x/usr/lib/x86_64-linux-gnu ldd "$b" | awk '/=>/{print $3}'); do cp -L "$l" $L/; done
done
cp -L /lib64/ld-linux-x86-64.so.2 $A/lib64/
for l in libxenvchan.so.4.17 libxentoollog.so.1 libxenstore.so.4 libxengnttab.so.1 libxenevtchn.so.1 libxentoolcore.so.1 libxencall.so.1; do
  cp -L "$S/usr/lib/x86_64-linux-gnu/$l" $L/
done
# iproute2's ip, for the agent's `ip -batch` network set-up (busybox ip has no -batch or nodad).
rm -f $A/bin/ip; cp -L $S/usr/sbin/ip $A/bin/ip
for l in $(chroot $S ldd /usr/sbin/ip | awk '/=>/{print $3}'); do cp -L "$S$l" $L/; done
# vchan-socket-proxy: the C reference bench/xen_idm_bench.ts measures IDM against.
cp $S/usr/lib/xen-4.17/bin/vchan-socket-proxy $A/usr/bin/
for l in $(chroot $S ldd /usr/lib/xen-4.17/bin/vchan-socket-proxy | awk '/=>/{print $3}'); do cp -L "$S$l" $L/; done
echo "root:x:0:0:root:/root:/bin/sh" > $A/etc/passwd; echo "root:x:0:" > $A/etc/group

mkdir -p "$out"
mv xen.elf dom0-vmlinuz zone-vmlinux dom0.cpio zone-initrd.cpio.gz "$out/"
mv $A "$out/addons-base"
echo "$kver" > "$out/kernel-version"
cd / && rm -rf "$work"
touch "$out/.complete"
# Keep this image and the one before it; older ones are ~500 MB each.
ls -1dt "$cache_root"/*/ 2>/dev/null | tail -n +3 | while read -r old; do rm -rf "$old"; done
log "built in $(( $(date +%s) - t0 )) s"
echo "$out"
