#!/bin/sh
# Installs SOURCE_DIR/NAME.img as DEST_DIR/NAME.img with one everyday
# tool, the way people deploy images with it, then publishes a checksum
# sidecar by the one protocol every tool gets (docs/tools.md), so that
# the tool alone decides where they differ:
#   1. the old sidecar is removed and its removal made durable (sync -f:
#      a crash from here on leaves no sidecar vouching for the old bytes);
#   2. the tool installs the image;
#   3. DEST_DIR/NAME.img.sha256 is written to a temporary name, made
#      durable (sync), and renamed over the sidecar's name.
# A crash leaves either no sidecar (the image is judged by its own bytes:
# the old version, the new one, or torn) or a sidecar written after the
# tool finished.
#
# usage: install-with.sh TOOL SOURCE_DIR DEST_DIR NAME
# TOOL: cp, install, rsync, rsync-inplace, rsync-fsync, curl, tar,
#       dd-notrunc. It calls the tool's program and rm, mkdir, sync,
#       sha256sum, mv (and cat for tar): under --backend vm, name them
#       with --program.
set -eu
tool=$1 src=$2 dest=$3 name=$4
img="$name.img"
mkdir -p "$dest"
rm -f "$dest/$img.sha256"
sync -f "$dest"
case "$tool" in
  cp) cp "$src/$img" "$dest/$img" ;;
  install) install -m 0644 "$src/$img" "$dest/$img" ;;
  # --checksum: without it rsync's quick check (size, and mtime to the
  # second) skipped a new version of the old one's size made in the same
  # second as the installed copy, and reported success (measured here).
  rsync) rsync --checksum "$src/$img" "$dest/$img" ;;
  rsync-inplace) rsync --checksum --inplace "$src/$img" "$dest/$img" ;;
  rsync-fsync) rsync --checksum --fsync "$src/$img" "$dest/$img" ;;
  curl) curl -sS -o "$dest/$img" "file://$src/$img" ;;
  tar) tar -C "$src" -cf - "$img" | tar -C "$dest" -xf - ;;
  dd-notrunc) dd if="$src/$img" of="$dest/$img" bs=1M conv=notrunc status=none ;;
  *) echo "install-with.sh: unknown tool $tool" >&2; exit 2 ;;
esac
cd "$dest"
sha256sum "$img" > ".$img.sha256.tmp"
sync ".$img.sha256.tmp"
mv -f ".$img.sha256.tmp" "$img.sha256"
