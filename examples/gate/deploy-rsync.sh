#!/bin/sh
# A deploy script as many teams write it: rsync the new image into place,
# then write its checksum sidecar. rsync --checksum skips a file that is
# already up to date; otherwise it writes a temp file beside the image
# and renames it over the name, so a mounted image's inode is never
# written.
#
# usage: deploy-rsync.sh SOURCE_DIR DEST_DIR NAME
#   installs SOURCE_DIR/NAME.img as DEST_DIR/NAME.img, and NAME.img.sha256
# It calls rsync, sha256sum and mkdir: under --backend vm, name them in the
# scenario's "programs" (harness matrix: --program rsync --program sha256sum
# --program mkdir).
set -eu
src=$1 dest=$2 name=$3
mkdir -p "$dest"
rsync --checksum "$src/$name.img" "$dest/$name.img"
cd "$dest"
sha256sum "$name.img" > "$name.img.sha256"
