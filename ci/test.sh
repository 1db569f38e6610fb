#!/usr/bin/env bash
# The test command: install what is needed, build, run the whole suite:
# the unit tests (under ASan, LSan and UBSan: the ci preset) and the
# integration tests that need root, loop devices and qemu, in one ctest run.
# Used verbatim by the README, .ci/run and the pipelines in ci/.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh runtime build test
ci/build.sh
ctest --preset ci --output-junit "$PWD/build/ctest-junit.xml" "$@"
# Nothing of the harness (qemu, loop devices, mounts) may outlive the suite.
ci/leak-check.sh
# Then 60 s of fuzzing the scenario parser and the guest channel (fails on
# any finding).
ci/fuzz.sh
