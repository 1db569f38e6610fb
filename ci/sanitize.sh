#!/usr/bin/env bash
# The unit tests again under AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer (g++, the `asan` preset, build-asan/). The
# first report of any of them fails the test that triggered it, and so this
# script. Called by ci/test.sh after ctest; also usable on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${HARNESS_JOBS:-$(nproc)}
start=$SECONDS
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
# detect_leaks=1: LeakSanitizer needs ptrace-like access to the process; it
# works as root and in ordinary containers. If it cannot run, ASan says so
# ("LeakSanitizer has encountered a fatal error") and the test fails.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --preset asan -j"$jobs" "$@"
echo "ci/sanitize.sh: ASan+UBSan unit tests passed in $((SECONDS - start)) s"
