#!/usr/bin/env bash
# Boots the lab: Xen 4.17 + the dom0 initramfs under QEMU. dom0 mounts SHARE (read-write,
# 9p tag "host") and the project (read-only, tag "project"), runs SHARE/run.sh and powers
# off; its output lands in SHARE/out/. KVM is tried only when PROTECT_LAB_ACCEL=kvm:
# on these machines /dev/kvm is kvm_pvm, which cannot run Xen (see docs/xen-lab.md).
# Usage: boot.sh IMAGE_DIR SHARE_DIR   (serial console on stdout)
set -euo pipefail
image="${1:?usage: boot.sh IMAGE_DIR SHARE_DIR}"
share="${2:?usage: boot.sh IMAGE_DIR SHARE_DIR}"
project="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
command -v qemu-system-x86_64 >/dev/null || { echo "boot.sh: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)" >&2; exit 3; }
# PROTECT_LAB_CPU: QEMU's -cpu under TCG; the default's +svm,+npt gives Xen HVM with HAP (PVH
# zones can be asked for; -cpu max crashes the PV dom0). PROTECT_LAB_TCG_THREAD: multi or single.
case "${PROTECT_LAB_ACCEL:-tcg}" in
  kvm) accel="-enable-kvm -cpu host" ;;
  *) accel="-accel tcg,thread=${PROTECT_LAB_TCG_THREAD:-multi} -cpu ${PROTECT_LAB_CPU:-qemu64,+svm,+npt}" ;;
esac
mem="${PROTECT_LAB_MEMORY_MB:-6144}"
# PROTECT_LAB_NET: QEMU user-network options (e.g. hostfwd=...) give dom0 a NIC (protect machine).
net=()
[ -n "${PROTECT_LAB_NET:-}" ] && net=(-netdev "user,id=n0,$PROTECT_LAB_NET" -device virtio-net-pci,netdev=n0)
# Devices for dom0 to give to zones (the e2e device case): SHARE/extra-disk.img, when it
# exists, as a virtio disk (/dev/vda in dom0), and a driverless PCI function (QEMU's edu).
# A q35 machine with an emulated AMD IOMMU (Xen: "I/O virtualisation enabled"), which PCI
# passthrough needs; PROTECT_LAB_IOMMU=none boots the i440fx machine without one.
devices=(-device edu)
[ -f "$share/extra-disk.img" ] && devices+=(-drive "file=$share/extra-disk.img,if=virtio,format=raw")
[ "${PROTECT_LAB_IOMMU:-amd}" = amd ] && devices+=(-machine q35 -device amd-iommu)
# PROTECT_LAB_XEN_ARGS: more Xen command-line options (e.g. hap_1gb=false hap_2mb=false).
# PROTECT_LAB_DOM0_ARGS: more dom0 kernel arguments (protect.init=systemd: systemd as PID 1).
# PROTECT_LAB_TIMEOUT: seconds before QEMU is stopped (default 2700: the e2e suite takes ~22 min
# alone, twice that beside another lab); 0: no limit (a machine that runs until stopped).
run=(timeout "${PROTECT_LAB_TIMEOUT:-2700}")
[ "${PROTECT_LAB_TIMEOUT:-}" = 0 ] && run=()
dom0_mem="${PROTECT_LAB_DOM0_MB:-2048}"
# AUTO makes zones PVH where Xen has HVM, but PVH guests under TCG's nested paging (+npt) die
# (docs/xen.md, "PVH in the lab"): with NPT and no protect.backend given, the lab's zones are PV.
dom0_args="${PROTECT_LAB_DOM0_ARGS:-}"
case "$accel,$dom0_args" in
  *+npt*,*protect.backend=*) ;;
  *+npt*) dom0_args="$dom0_args protect.backend=pv" ;;
esac
# No doubled commas in -append; in -initrd, commas separate the multiboot modules.
exec "${run[@]}" qemu-system-x86_64 $accel "${net[@]}" "${devices[@]}" -m "$mem" -smp 2 -nographic -no-reboot \
  -kernel "$image/xen.elf" \
  -append "dom0_mem=${dom0_mem}M,max:${dom0_mem}M dom0_max_vcpus=2 console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot ${PROTECT_LAB_XEN_ARGS:-}" \
  -initrd "$image/dom0-vmlinuz console=hvc0 earlyprintk=xen $dom0_args,$image/dom0.cpio" \
  -virtfs "local,path=$share,mount_tag=host,security_model=none,id=host" \
  -virtfs "local,path=$project,mount_tag=project,security_model=none,id=project,readonly=on"
