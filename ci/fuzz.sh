#!/usr/bin/env bash
# Fuzzes, with libFuzzer under ASan+UBSan, both at once: the scenario
# parser (harness/fuzz/scenario_fuzzer.cc, seeded with the shipped
# scenarios) and the host's side of the guest channel (harness/fuzz/
# channel_fuzzer.cc, seeded with one message of each kind). Any crash,
# leak, sanitizer report, timeout or exception the target does not expect
# fails it; the input that did it is left in build-fuzz/findings/NAME/.
#
# The budget is FUZZ_SECONDS of wall time in all (default 60, two thirds to
# the parser), or, with FUZZ_EXECS=N, N executions in all (two thirds to
# the parser): the same work however busy the machine is, which is how
# ci/test.sh runs it, at the lowest priority beside ctest.
#
#   ci/fuzz.sh [build|run]     (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
execs=${FUZZ_EXECS:-}
jobs=${HARNESS_JOBS:-$(nproc)}
cxx=${FUZZ_CXX:-clang++-14}
cc=${FUZZ_CC:-clang-14}
if ! command -v "$cxx" >/dev/null; then
  echo "ci/fuzz.sh: $cxx not found; run ci/deps.sh (clang-14, libclang-rt-14-dev)" >&2
  exit 3
fi
step=${1:-all}
case $step in build | run | all) ;; *) echo "usage: ci/fuzz.sh [build|run]" >&2; exit 2 ;; esac
build=build-fuzz
start=$SECONDS
if [[ $step != run ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_C_COMPILER="$cc" -DHARNESS_FUZZ=ON -DHARNESS_WERROR=ON -DHARNESS_BUILD_FIXTURES=OFF >/dev/null
  cmake --build "$build" -j"$jobs" --target scenario_fuzzer channel_fuzzer
  echo "ci/fuzz.sh: fuzzers built in $((SECONDS - start)) s"
fi
[[ $step == build ]] && exit 0

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# fuzz NAME SHARE: runs build/harness/fuzz/NAME on a fresh working corpus
# (build-fuzz/corpus/NAME, already seeded; the fuzzer adds what it finds)
# for SHARE thirds of the budget.
fuzz() {
  local name=$1 share=$2 corpus="$build/corpus/$1" findings="$build/findings/$1" log="$build/$1.log" rc ran
  local t0=$SECONDS budget
  if [[ -n $execs ]]; then
    budget=(-runs=$((execs * share / 3)))
  else
    budget=(-max_total_time=$((seconds * share / 3)))
  fi
  rm -rf "$findings"
  mkdir -p "$findings"
  set +e
  "$build/harness/fuzz/$name" "$corpus" "${budget[@]}" -timeout=10 \
    -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1
  rc=$?
  set -e
  ran=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if ((rc != 0)) || compgen -G "$findings/*" >/dev/null; then
    tail -60 "$log" >&2
    echo "ci/fuzz.sh: FINDING in $name (exit $rc); reproduce with: $build/harness/fuzz/$name $findings/<file>" >&2
    ls -l "$findings" >&2
    exit 1
  fi
  echo "ci/fuzz.sh: $name ran ${ran:-?} executions (${budget[*]}) in $((SECONDS - t0)) s with no finding"
}

rm -rf "$build/corpus"
mkdir -p "$build/corpus/scenario_fuzzer" "$build/corpus/channel_fuzzer"
cp scenarios/*.json "$build/corpus/scenario_fuzzer/"
rm -f "$build/corpus/scenario_fuzzer/schema.json"
# One message of each kind, as the agent writes them (the marker is the
# one channel_fuzzer.cc uses), and console noise around them.
m='@@harness-00fuzz00@@'
seed() { printf '%s\n' "$2" >"$build/corpus/channel_fuzzer/$1"; }
seed ready "$m {\"msg\":\"ready\",\"guest_kernel\":\"6.1.0\",\"uptime_ms\":812.5}"
seed exec "$m {\"msg\":\"event\",\"event\":{\"type\":\"exec\",\"t_ms\":3.5,\"dur_ms\":1.2,\"worker\":0,\"seq\":7,\"phase\":\"fault\",\"class\":\"sigsegv\",\"exit_code\":null,\"signal\":11,\"errno\":null,\"errno_name\":null,\"pid\":42}}"
seed fault "$m {\"msg\":\"event\",\"event\":{\"type\":\"fault\",\"fault\":\"redeploy\",\"action\":\"run\",\"fire\":0,\"t_start_ms\":1,\"t_end_ms\":2,\"outcome\":\"exit 3\",\"ok\":false,\"detail\":\"d\",\"pid\":9,\"argv\":[\"a\"],\"stdout\":\"\",\"stderr\":\"\"}}"
seed phase "$m {\"msg\":\"event\",\"event\":{\"type\":\"phase\",\"name\":\"faults\",\"t_ms\":5}}"
seed kmsg "[    1.2] noise $m {\"msg\":\"kmsg\",\"t_ms\":9.5,\"kernel_s\":1.25,\"line\":\"EXT4-fs error\"}"
seed record "$m {\"msg\":\"record\",\"duration_ms\":1,\"timed_out\":false,\"interrupted\":false,\"error\":\"\",\"environment_error\":false,\"environment\":{\"kernel\":\"6.1\",\"harness_pid\":5},\"images\":[{\"name\":\"d\",\"path\":\"images/d.img\",\"size_bytes\":1,\"fs\":\"ext4\"}],\"mounts\":[{\"image\":\"i\",\"mountpoint\":\"m\",\"options\":\"loop,ro\",\"loop_device\":\"/dev/loop0\",\"backing_dev\":1,\"backing_inode\":2,\"autoclear\":true,\"effective_options\":\"ro,nosuid,nodev\"}],\"writers\":[],\"images_evidence\":[],\"page_cache\":[],\"execs\":1,\"faults\":0,\"phases\":1}"
seed error "$m {\"msg\":\"error\",\"kind\":\"environment\",\"message\":\"no mkfs\"}"
seed end "$m {\"msg\":\"end\"}"

# The parser is the larger surface: two thirds of the budget. The two run
# side by side (one core each).
fuzz scenario_fuzzer 2 &
scenario_pid=$!
fuzz channel_fuzzer 1 &
channel_pid=$!
failed=0
wait "$scenario_pid" || failed=1
wait "$channel_pid" || failed=1
((failed == 0)) || exit 1
echo "ci/fuzz.sh: both fuzzers done in $((SECONDS - start)) s"
