#!/usr/bin/env bash
# The layering rule of harness/ (see harness/CMakeLists.txt): a file may
# include headers of its own layer and of the layers below it, never of a
# layer above or beside it (tests may also use testing/). Prints each offending include; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/../harness"
# For each layer, the layers it may include.
declare -A allowed=(
  [base]="base"
  [core]="base core"
  [host]="base core host"
  [vm]="base core host vm"
  [report]="base core report"
  [cli]="base core host vm report cli"
  [itests]="base core host vm report cli itests testing"
  [testing]="base testing"
)
bad=0
for layer in "${!allowed[@]}"; do
  [[ -d $layer ]] || continue
  while IFS= read -r hit; do
    file=${hit%%:*}
    inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$hit")
    dir=${inc%%/*}
    [[ $inc == */* ]] || { echo "$file: #include \"$inc\": name the layer (\"LAYER/$inc\")"; bad=1; continue; }
    [[ -d $dir ]] || continue  # not a layer of ours
    # Any layer's unit tests may use the shared test helpers.
    [[ $dir == testing && $file == *_test.cc ]] && continue
    if [[ " ${allowed[$layer]} " != *" $dir "* ]]; then
      echo "$file: #include \"$inc\": the $layer layer may include only ${allowed[$layer]}"
      bad=1
    fi
  done < <(grep -Hn '^#include "' "$layer"/*.h "$layer"/*.cc 2>/dev/null || true)
done
((bad == 0)) && echo "layers: every include goes to the same or a lower layer"
exit "$bad"
