#!/usr/bin/env bash
# docs/tools.md is a measurement: it holds the fingerprint of what it was
# measured with (the wrapper, ci/tools-table.sh, the tools' and the
# harness's versions). Exit 1, saying what to do, when those changed since;
# 0 when they did not. --fingerprint prints the current one. Run by ctest
# (tools_table_fresh).
set -euo pipefail
cd "$(dirname "$0")/.."
fingerprint() {
  {
    cat examples/tools/install-with.sh ci/tools-table.sh
    # The tool and its version number only (curl's first line also names
    # the OpenSSL of the day's security update).
    for t in cp install rsync curl tar dd; do
      echo "$t $("$t" --version 2>&1 | head -1 | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -1)"
    done
    grep -m1 'project(harness VERSION' CMakeLists.txt
  } | sha256sum | cut -c1-16
}
if [[ ${1:-} == --fingerprint ]]; then
  fingerprint
  exit 0
fi
now=$(fingerprint)
recorded=$(sed -n 's/.*fingerprint: \([0-9a-f]*\) .*/\1/p' docs/tools.md 2>/dev/null | head -1)
if [[ -z $recorded ]]; then
  echo "ci/check-tools-table.sh: docs/tools.md is missing or has no fingerprint: run ci/tools-table.sh" >&2
  exit 1
fi
if [[ $now != "$recorded" ]]; then
  echo "ci/check-tools-table.sh: docs/tools.md is stale (measured with inputs $recorded, now $now: the wrapper," \
    "ci/tools-table.sh, a tool's version or the harness's changed): run ci/tools-table.sh on a machine of this kind" \
    "and commit docs/tools.md" >&2
  exit 1
fi
echo "ci/check-tools-table.sh: docs/tools.md matches its inputs ($now)"
