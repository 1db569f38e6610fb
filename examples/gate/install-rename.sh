#!/bin/sh
# The same installer done safely: write the new image beside the installed
# one, flush it, and rename it over the old name. A mounted image keeps
# its own inode (the loop device holds it), so nothing it serves changes.
# The harness's gate passes it.
#
# usage: install-rename.sh SOURCE_DIR DEST_DIR NAME
#   installs SOURCE_DIR/NAME.img as DEST_DIR/NAME.img
set -eu
src=$1 dest=$2 name=$3
mkdir -p "$dest"
tmp="$dest/.$name.img.tmp.$$"
trap 'rm -f "$tmp"' EXIT
cat "$src/$name.img" > "$tmp"
sync "$tmp"
mv -f "$tmp" "$dest/$name.img"
trap - EXIT
