#!/usr/bin/env bash
# Fuzzes the scenario parser (harness/fuzz/scenario_fuzzer.cc) with
# libFuzzer under ASan+UBSan for FUZZ_SECONDS (default 60), seeded with the
# shipped scenarios. Any crash, leak, sanitizer report, timeout or
# exception other than ScenarioError fails it; the input that did it is
# left in build-fuzz/findings/. Called by ci/test.sh after ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
jobs=${HARNESS_JOBS:-$(nproc)}
cxx=${FUZZ_CXX:-clang++-14}
cc=${FUZZ_CC:-clang-14}
if ! command -v "$cxx" >/dev/null; then
  echo "ci/fuzz.sh: $cxx not found; run ci/deps.sh (clang-14, libclang-rt-14-dev)" >&2
  exit 3
fi
build=build-fuzz
start=$SECONDS
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_C_COMPILER="$cc" -DHARNESS_FUZZ=ON -DHARNESS_WERROR=ON -DHARNESS_BUILD_FIXTURES=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target scenario_fuzzer
built=$SECONDS

# A fresh working corpus each run, seeded from the shipped scenarios (the
# fuzzer adds what it finds to it; the seeds are never modified).
corpus="$build/corpus"
findings="$build/findings"
rm -rf "$corpus" "$findings"
mkdir -p "$corpus" "$findings"
cp scenarios/*.json "$corpus/"
rm -f "$corpus/schema.json"

log="$build/fuzz.log"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
set +e
"$build/harness/fuzz/scenario_fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1
rc=$?
set -e
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
if ((rc != 0)) || compgen -G "$findings/*" >/dev/null; then
  tail -60 "$log" >&2
  echo "ci/fuzz.sh: FINDING (exit $rc); reproduce with: $build/harness/fuzz/scenario_fuzzer $findings/<file>" >&2
  ls -l "$findings" >&2
  exit 1
fi
echo "ci/fuzz.sh: scenario_fuzzer ran ${execs:-?} executions in ${seconds} s with no finding" \
  "(build $((built - start)) s, total $((SECONDS - start)) s)"
