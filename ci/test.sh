#!/usr/bin/env bash
# The test command: install what is needed, build, run the whole suite:
# the unit tests (under ASan, LSan and UBSan: the ci preset) and the
# integration tests that need root, loop devices and qemu, in one ctest run.
# Used verbatim by the README, .ci/run and the pipelines in ci/.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh runtime build test
ci/build.sh
# The fuzzers (their own clang build, then libFuzzer) need nothing of the
# suite: they build and run at the lowest priority beside ctest and take
# what CPU it leaves: from a cold clone that is little (their build alone
# lasted all of ctest here, and the fuzzing ran after it); with ccache
# warm they finish beside it. Their budget is a number of executions,
# not seconds, so they do the same work however busy the machine is:
# 440,000 for the scenario parser and 220,000 for the guest channel, what
# 40 s and 20 s ran here at full priority. Output: build/fuzz.log, shown
# if it fails.
FUZZ_EXECS=660000 nice -n 19 ci/fuzz.sh >build/fuzz.log 2>&1 &
fuzz=$!
status=0
# JUnit: ctest's, one testcase per ctest, beside the per-test files each
# unit-test program writes there (harness_unit_test in harness/CMakeLists.txt).
rm -rf build/junit
mkdir -p build/junit
ctest --preset ci --output-junit "$PWD/build/junit/ctest.xml" "$@" || status=$?
# A skipped test is not a passed one: any skip not on ci/allowed-skips
# fails the run, and the allowed ones are listed. (The accelerator's three
# situations run as VmAccelerator.* on every machine: ci/kvm-mode.sh makes
# the ones this machine does not have.)
ci/check-skips.sh build/junit/*.xml || status=$?
# Nothing of the harness (qemu, loop devices, mounts) may outlive the suite.
ci/leak-check.sh || status=$?
# The fuzzing fails on any finding, and on a fuzzer that does not build.
fuzz_status=0
wait "$fuzz" || fuzz_status=$?
if ((fuzz_status != 0)); then
  cat build/fuzz.log >&2
  echo "ci/test.sh: fuzzing failed (exit $fuzz_status)" >&2
else
  grep '^ci/fuzz.sh: ' build/fuzz.log
fi
((status == 0)) || exit "$status"
exit "$fuzz_status"
