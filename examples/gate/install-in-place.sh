#!/bin/sh
# A user's image installer, as many are written: it copies the new image
# over the installed one. `cat new > installed` truncates the installed
# file and rewrites it in place -- the mistake of the Heroku 2017 incident
# when that file is loop-mounted. The harness's gate fails it.
#
# usage: install-in-place.sh SOURCE_DIR DEST_DIR NAME
#   installs SOURCE_DIR/NAME.img as DEST_DIR/NAME.img
set -eu
src=$1 dest=$2 name=$3
mkdir -p "$dest"
cat "$src/$name.img" > "$dest/$name.img"
