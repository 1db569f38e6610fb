#!/usr/bin/env bash
# Runs a command as if this machine's /dev/kvm were another kind, so that
# every accelerator situation the harness meets can be tested on any
# machine (machines of one kind differ: some have no /dev/kvm, some a
# paravirtual one that cannot boot a stock kernel, some a working one).
#
#   ci/kvm-mode.sh none   CMD...   no /dev/kvm at all
#   ci/kvm-mode.sh broken CMD...   a /dev/kvm that opens but cannot run a
#                                  guest (/dev/null in its place: qemu's
#                                  first KVM ioctl fails)
#   ci/kvm-mode.sh native CMD...   whatever this machine has
#
# The command runs in a mount namespace of its own, so nothing changes
# for anyone else. Binding /dev/null or a mode-000 file over /dev/kvm does
# not hide it from root (it still opens), so "none" gives the command a
# /dev of its own: a tmpfs with every entry of the real /dev but kvm
# (device nodes re-made with their numbers, mounts bound in), plus nodes
# for loop devices the command may attach later. Needs root.
set -euo pipefail

usage() {
  echo "usage: ci/kvm-mode.sh none|broken|native CMD..." >&2
  exit 2
}
(($# >= 2)) || usage
mode=$1
shift
case "$mode" in
  native) exec "$@" ;;
  none | broken) ;;
  *) usage ;;
esac
if [[ $(id -u) -ne 0 ]]; then
  echo "ci/kvm-mode.sh: needs root (a mount namespace and mounts over /dev)" >&2
  exit 3
fi
if [[ ${HARNESS_KVM_MODE_INNER:-} != 1 ]]; then
  HARNESS_KVM_MODE_INNER=1 exec unshare --mount --propagation private -- "$0" "$mode" "$@"
fi
unset HARNESS_KVM_MODE_INNER

if [[ $mode == broken && -e /dev/kvm ]]; then
  mount --bind /dev/null /dev/kvm
  exec "$@"
fi
# "none", or "broken" on a machine without the node to bind over: a /dev
# of our own, with a kvm node that is /dev/null for "broken".

shopt -s dotglob nullglob
dev=$(mktemp -d)
mount -t tmpfs -o mode=0755,nosuid harness-dev "$dev"
for e in /dev/*; do
  name=${e#/dev/}
  [[ $name == kvm ]] && continue
  if [[ -L $e ]]; then
    cp -P "$e" "$dev/$name"
  elif [[ -d $e ]]; then
    mkdir "$dev/$name"
    mount --rbind "$e" "$dev/$name"
  elif [[ -b $e || -c $e ]]; then
    cp -a "$e" "$dev/$name"
  else
    : >"$dev/$name"
    mount --bind "$e" "$dev/$name"
  fi
done
# Loop devices the kernel makes later (LOOP_CTL_GET_FREE) appear in the
# real devtmpfs only; their nodes are made here ahead of time.
for ((i = 0; i < 256; i++)); do
  [[ -e $dev/loop$i ]] || mknod -m 0660 "$dev/loop$i" b 7 "$i"
done
[[ $mode == broken ]] && mknod -m 0600 "$dev/kvm" c 1 3  # /dev/null's numbers
mount --move "$dev" /dev
rmdir "$dev"
if [[ $mode == none && -e /dev/kvm ]]; then
  echo "ci/kvm-mode.sh: /dev/kvm is still visible" >&2
  exit 3
fi
exec "$@"
