#!/bin/bash
# VM backend timing: boot-to-agent-ready and whole-scenario wall time, the
# median of N runs of one scenario under TCG, beside the host backend's
# wall time for the same scenario. Needs root (loop devices for the host
# runs, /boot/vmlinuz for the VM).
#
#   bench/vm_bench.sh [SCENARIO] [N]      (defaults: heroku-2017-truncation, 5)
#
# Environment: HARNESS (default build/harness/harness), ACCEL (default tcg;
# auto tries KVM first, as a run does), BENCH_DIR (default a
# fresh mktemp dir, removed at the end; its .cache is warmed by one
# untimed VM run first, as it would be on any machine after the first run).
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${1:-scenarios/heroku-2017-truncation.json}
N=${2:-5}
HARNESS=${HARNESS:-build/harness/harness}
ACCEL=${ACCEL:-tcg}
OWN_DIR=0
if [ -z "${BENCH_DIR:-}" ]; then BENCH_DIR=$(mktemp -d /tmp/harness-vm-bench.XXXXXX); OWN_DIR=1; fi
trap '[ $OWN_DIR = 1 ] && rm -rf "$BENCH_DIR"' EXIT

now() { date +%s.%N; }
field() { grep -o "\"$2\": [0-9.]*" "$1/report.json" | head -1 | sed 's/.*: //'; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
verdict() { grep -o '"verdict": "[a-z]*"' "$1/report.json" | head -1 | sed 's/.*: "//; s/"//'; }
crashes() { awk '/"counts": \{/{c=1} c && /"sigsegv"|"sigbus"/{gsub(/[^0-9]/,"",$2); s+=$2} c && /\}/{exit} END{print s+0}' "$1/report.json"; }

echo "warming the VM cache (initramfs, accelerator choice) ..." >&2
"$HARNESS" run --backend vm --accel "$ACCEL" "$SCENARIO" --out "$BENCH_DIR/warm" >/dev/null 2>&1 || true

: > "$BENCH_DIR/vm_boot" ; : > "$BENCH_DIR/vm_wall" ; : > "$BENCH_DIR/host_wall"
for i in $(seq 1 "$N"); do
  t0=$(now)
  "$HARNESS" run --backend vm --accel "$ACCEL" "$SCENARIO" --out "$BENCH_DIR/vm$i" >/dev/null 2>&1 || true
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}' >> "$BENCH_DIR/vm_wall"
  field "$BENCH_DIR/vm$i" vm_boot_ms | awk '{print $1/1000}' >> "$BENCH_DIR/vm_boot"
  echo "vm   run $i: wall $(tail -1 "$BENCH_DIR/vm_wall" | cut -c1-5) s, boot $(tail -1 "$BENCH_DIR/vm_boot") s, verdict $(verdict "$BENCH_DIR/vm$i"), sigsegv+sigbus $(crashes "$BENCH_DIR/vm$i")" >&2
done
for i in $(seq 1 "$N"); do
  t0=$(now)
  "$HARNESS" run --backend host "$SCENARIO" --out "$BENCH_DIR/host$i" >/dev/null 2>&1 || true
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}' >> "$BENCH_DIR/host_wall"
  echo "host run $i: wall $(tail -1 "$BENCH_DIR/host_wall" | cut -c1-5) s, verdict $(verdict "$BENCH_DIR/host$i"), sigsegv+sigbus $(crashes "$BENCH_DIR/host$i")" >&2
done
printf '%-44s %s\n' "scenario" "$(basename "$SCENARIO" .json), median of $N"
ACC=$(grep -o '"accelerator": "[a-z]*"' "$BENCH_DIR/vm1/report.json" | head -1 | sed 's/.*: "//; s/"//')
printf '%-44s %.2f s\n' "vm ($ACC): qemu start -> guest agent ready" "$(median < "$BENCH_DIR/vm_boot")"
printf '%-44s %.2f s\n' "vm ($ACC): whole run, wall" "$(median < "$BENCH_DIR/vm_wall")"
printf '%-44s %.2f s\n' "host backend: whole run, wall" "$(median < "$BENCH_DIR/host_wall")"
printf '%-44s %.2fx\n' "vm / host, whole run (medians, same session)" \
  "$(awk -v v="$(median < "$BENCH_DIR/vm_wall")" -v h="$(median < "$BENCH_DIR/host_wall")" 'BEGIN{print v/h}')"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
