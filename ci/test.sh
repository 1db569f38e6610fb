#!/usr/bin/env bash
# The test command: install what is needed, build, run the whole suite
# (unit tests, then the integration tests that need root and loop devices).
# Used verbatim by the README, .ci/run and the pipelines in ci/.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh runtime build test
ci/build.sh
ctest --preset ci --output-junit "$PWD/build/ctest-junit.xml" "$@"
# Nothing of the harness (qemu, loop devices, mounts) may outlive the suite.
ci/leak-check.sh
# The unit tests again under ASan/LSan/UBSan, then 60 s of fuzzing the
# scenario parser (each fails on any report or finding).
ci/sanitize.sh
ci/fuzz.sh
