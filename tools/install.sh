#!/usr/bin/env bash
# Installs protect on a Xen host (dom0): the bundled programs with their own Deno, the
# systemd units and protect.target, the libxl hotplug scripts and a default daemon.toml
# (Xen driver). An edited config is never overwritten. `--uninstall` removes what install
# put there and leaves the state in /var/lib/protect unless `--purge` is given.
#   ./denow task install -- [--prefix /usr/local] [--dist DIR] [--deno PATH] [--zone-files DIR] [--root DIR]
#   ./denow task uninstall -- [--purge]
# --dist: prebuilt bundles (tools/bundle.sh, tools/bundle_programs.sh; default: build them).
# --zone-files: zone-vmlinux, zone-initrd.cpio.gz and addons.sqfs (tests/xen/lab/build_zone_files.sh).
# --root: install under another root (tests); systemctl is only called for root /.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix=/usr/local dist="" deno="" zone_files="" root=/ uninstall=0 purge=0
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "install: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --dist) dist="${2:?--dist needs a directory}"; shift 2 ;;
    --deno) deno="${2:?--deno needs a path}"; shift 2 ;;
    --zone-files) zone_files="${2:?--zone-files needs a directory}"; shift 2 ;;
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) usage ;;
    *) echo "install: unknown option $1" >&2; usage ;;
  esac
done
[ "$(id -u)" = 0 ] || [ "$root" != / ] || die "needs root (run: sudo ./denow task install)"
case "$prefix" in /*) ;; *) die "--prefix must be an absolute path (got $prefix)" ;; esac
r="${root%/}"
libdir="$prefix/lib/protect" docdir="$prefix/share/doc/protect"
unitdir=/etc/systemd/system etcdir=/etc/protect statedir=/var/lib/protect
# protect-cri is installed, not enabled: a Kubernetes node enables it (docs/cri.md).
units=(protect-daemon.service protect-storage.service protect-network.service
  protect-orchestrator.service protect.target protect-cri.service)
programs=(protect-daemon-xen protect-storage protect-network protect-orchestrator protect-cri protect)
systemd() { [ "$root" = / ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; }
say() { echo "install: $*"; }

if [ "$uninstall" = 1 ]; then
  if systemd; then systemctl disable --now protect.target "${units[@]}" >/dev/null 2>&1 || true; fi
  for u in "${units[@]}"; do rm -f "$r$unitdir/$u"; done
  systemd && systemctl daemon-reload
  rm -rf "$r$libdir" "$r$docdir"
  rm -f "$r$prefix/bin/protect" "$r$etcdir/xen/block-protect" "$r$etcdir/xen/vif-protect"
  rmdir "$r$etcdir/xen" 2>/dev/null || true
  say "removed the programs, units and hotplug scripts from $root"
  if [ "$purge" = 1 ]; then
    rm -rf "$r$statedir" "$r$etcdir" "$r/run/protect"
    say "purged the state ($statedir) and the configuration ($etcdir)"
  else
    say "kept the state in $statedir and the configuration in $etcdir (--purge removes them)"
  fi
  exit 0
fi

if [ -z "$dist" ]; then
  say "bundling the programs"
  (cd "$repo" && bash tools/bundle.sh >/dev/null && bash tools/bundle_programs.sh >/dev/null)
  dist="$repo/dist"
fi
[ -n "$deno" ] || deno="$("$repo/denow" eval 'console.log(Deno.execPath())')"
[ -x "$deno" ] || die "no Deno binary at $deno"
for p in "${programs[@]}"; do
  [ -f "$dist/$p" ] && [ -f "$dist/$p.js" ] || die "$dist has no $p and $p.js (tools/bundle_programs.sh, tools/bundle.sh)"
done

install -d -m 0755 "$r$libdir" "$r$prefix/bin" "$r$unitdir" "$r$docdir"
install -d -m 0750 "$r$etcdir" "$r$etcdir/xen" "$r$statedir" "$r$statedir/xen"
install -m 0755 "$deno" "$r$libdir/deno"
for p in "${programs[@]}"; do
  install -m 0755 "$dist/$p" "$r$libdir/$p"
  install -m 0644 "$dist/$p.js" "$r$libdir/$p.js"
done
ln -sfn "$libdir/protect" "$r$prefix/bin/protect"
install -m 0644 "$repo"/docs/*.md "$repo/README.md" "$r$docdir/"
for u in "${units[@]}"; do
  sed -e "s|@LIBDIR@|$libdir|g" -e "s|@DOCDIR@|$docdir|g" "$repo/deploy/systemd/$u" > "$r$unitdir/$u"
  chmod 0644 "$r$unitdir/$u"
done
install -m 0755 "$repo/deploy/xen/block-protect" "$repo/deploy/xen/vif-protect" "$r$etcdir/xen/"
if [ -n "$zone_files" ]; then
  for f in zone-vmlinux zone-initrd.cpio.gz addons.sqfs; do
    [ -f "$zone_files/$f" ] || die "$zone_files has no $f"
    install -m 0644 "$zone_files/$f" "$r$statedir/xen/$f"
  done
fi

# The default configuration: written once; an existing file is the operator's and stays.
config="$r$etcdir/daemon.toml"
shipped="$(cat "$repo/deploy/config/daemon.toml")"
if [ ! -e "$config" ]; then
  printf '%s\n' "$shipped" > "$config" && chmod 0640 "$config"
  say "wrote $etcdir/daemon.toml (Xen driver)"
elif [ "$(cat "$config")" != "$shipped" ]; then
  printf '%s\n' "$shipped" > "$config.dist"
  say "kept your $etcdir/daemon.toml; the shipped default is in $etcdir/daemon.toml.dist"
fi

if [ "$root" = / ]; then
  getent group protect >/dev/null || groupadd --system protect || say "could not create the protect group"
fi
if systemd; then
  systemctl daemon-reload
  systemctl enable "${units[@]:0:5}" >/dev/null 2>&1
fi
say "installed protect into $libdir ($prefix/bin/protect), units into $unitdir"
[ -n "$zone_files" ] || [ -f "$r$statedir/xen/addons.sqfs" ] ||
  say "zones need zone-vmlinux, zone-initrd.cpio.gz and addons.sqfs in $statedir/xen (--zone-files DIR)"
say "start: systemctl start protect.target; the protect group may use /run/protect/daemon.sock"
