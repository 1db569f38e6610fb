#!/usr/bin/env bash
# The test command: install what is needed, build, run the whole suite:
# the unit tests (under ASan, LSan and UBSan: the ci preset) and the
# integration tests that need root, loop devices and qemu, in one ctest run.
# Used verbatim by the README, .ci/run and the pipelines in ci/.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh runtime build test
ci/build.sh
# The fuzzers' own build (clang, instrumented) needs nothing of the suite:
# it compiles at the lowest priority beside ctest, whose two lanes leave
# part of the 2 cores idle while host tests wait on their schedules. Its
# output goes to build/fuzz-build.log, shown if it fails.
nice -n 19 ci/fuzz.sh build >build/fuzz-build.log 2>&1 &
fuzz_build=$!
status=0
# JUnit: ctest's, one testcase per ctest, beside the per-test files each
# unit-test program writes there (harness_unit_test in harness/CMakeLists.txt).
rm -rf build/junit
mkdir -p build/junit
ctest --preset ci --output-junit "$PWD/build/junit/ctest.xml" "$@" || status=$?
# Nothing of the harness (qemu, loop devices, mounts) may outlive the suite.
ci/leak-check.sh || status=$?
if ! wait "$fuzz_build"; then
  cat build/fuzz-build.log >&2
  echo "ci/test.sh: the fuzzers did not build" >&2
  exit 1
fi
((status == 0)) || exit "$status"
# Then 60 s of fuzzing the scenario parser and the guest channel (fails on
# any finding).
ci/fuzz.sh run
