#!/usr/bin/env bash
# The package sets of ci/deps.sh stay apart: what reproducing installs
# (runtime, build) holds no test tool, so a first verdict never waits for
# a browser, a fuzzer or vagrant. Prints each offence; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
deps=${DEPS_SH:-ci/deps.sh}
# Tools only the test suite and the CI checks use, by name, whichever set
# they are listed in.
test_only='^(chromium.*|clang.*|libclang.*|llvm.*|vagrant.*|yamllint|ruby.*|libxml2-utils|libgtest.*|libgmock.*|libbenchmark.*|dpkg-dev)$'
bad=0
declare -A set_of
for s in runtime build test; do
  list=$("$deps" --print "$s") || { echo "$deps --print $s failed"; exit 1; }
  [[ -n $list ]] || { echo "$deps --print $s lists nothing"; bad=1; }
  while read -r p; do
    [[ -z $p ]] && continue
    if [[ -n ${set_of[$p]:-} ]]; then echo "$p is in both the ${set_of[$p]} and the $s set"; bad=1; fi
    set_of[$p]=$s
    if [[ $s != test && $p =~ $test_only ]]; then echo "$p is a test tool, but in the $s set"; bad=1; fi
  done <<<"$list"
done
if "$deps" --print no-such-set >/dev/null 2>&1; then echo "$deps --print accepts an unknown set"; bad=1; fi
exit $bad
