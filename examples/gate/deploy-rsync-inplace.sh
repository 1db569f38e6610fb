#!/bin/sh
# deploy-rsync.sh with --inplace, as a colleague "optimised" it: rsync
# then writes the changed blocks into the installed image itself, the
# incident's mistake when that image is mounted.
#
# usage: deploy-rsync-inplace.sh SOURCE_DIR DEST_DIR NAME
#   installs SOURCE_DIR/NAME.img as DEST_DIR/NAME.img, and NAME.img.sha256
# It calls rsync, sha256sum and mkdir: under --backend vm, name them in the
# scenario's "programs" (harness matrix: --program rsync --program sha256sum
# --program mkdir).
set -eu
src=$1 dest=$2 name=$3
mkdir -p "$dest"
rsync --checksum --inplace "$src/$name.img" "$dest/$name.img"
cd "$dest"
sha256sum "$name.img" > "$name.img.sha256"
