#!/bin/bash
# VM backend timing against two yardsticks, measured side by side in one
# session (each round runs all three, so a change in the machine's load
# touches all of them alike):
#   floor  the fastest known boot of the same kernel (build/bench/boot_floor:
#          PVH vmlinux, microvm, the harness's command line, a bare busybox
#          /init that powers off): qemu start -> /init
#   vm     `harness run --backend vm`: qemu start -> guest agent ready, and
#          the whole run's wall time
#   host   `harness run --backend host`: the whole run's wall time
# and prints the medians of N rounds, `boot/floor ratio X.XX` (vm boot over
# floor boot) and the vm/host whole-run ratio. Needs root (loop devices for
# the host runs, /boot/vmlinuz for the VM).
#
#   bench/vm_bench.sh [SCENARIO] [N]      (defaults: heroku-2017-truncation, 5)
#
# Environment: HARNESS (default build/harness/harness), BOOT_FLOOR (default
# build/bench/boot_floor), ACCEL (default tcg; auto tries KVM first, as a
# run does), BENCH_DIR (default a fresh mktemp dir, removed at the end; its
# .cache is warmed by one untimed VM run first, as it would be on any
# machine after the first run).
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${1:-scenarios/heroku-2017-truncation.json}
N=${2:-5}
HARNESS=${HARNESS:-build/harness/harness}
BOOT_FLOOR=${BOOT_FLOOR:-build/bench/boot_floor}
ACCEL=${ACCEL:-tcg}
OWN_DIR=0
if [ -z "${BENCH_DIR:-}" ]; then BENCH_DIR=$(mktemp -d /tmp/harness-vm-bench.XXXXXX); OWN_DIR=1; fi
trap '[ $OWN_DIR = 1 ] && rm -rf "$BENCH_DIR"' EXIT

now() { date +%s.%N; }
field() { grep -o "\"$2\": [0-9.]*" "$1/report.json" | head -1 | sed 's/.*: //'; }
text() { grep -o "\"$2\": \"[^\"]*\"" "$1/report.json" | head -1 | sed 's/.*: "//; s/"$//'; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
crashes() { awk '/"counts": \{/{c=1} c && /"sigsegv"|"sigbus"/{gsub(/[^0-9]/,"",$2); s+=$2} c && /\}/{exit} END{print s+0}' "$1/report.json"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

[ -x "$BOOT_FLOOR" ] || { echo "vm_bench.sh: $BOOT_FLOOR not built (ci/build.sh builds it)" >&2; exit 2; }
echo "warming the VM cache (kernel, initramfs, accelerator choice) ..." >&2
"$HARNESS" run --backend vm --accel "$ACCEL" "$SCENARIO" --out "$BENCH_DIR/warm" >/dev/null 2>&1 || true
"$BOOT_FLOOR" --cache "$BENCH_DIR/.cache" --accel "$ACCEL" 1 >/dev/null

for f in floor vm_boot vm_wall host_wall; do : > "$BENCH_DIR/$f"; done
for i in $(seq 1 "$N"); do
  "$BOOT_FLOOR" --cache "$BENCH_DIR/.cache" --accel "$ACCEL" 1 >> "$BENCH_DIR/floor"

  t0=$(now)
  "$HARNESS" run --backend vm --accel "$ACCEL" "$SCENARIO" --out "$BENCH_DIR/vm$i" >/dev/null 2>&1 || true
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}' >> "$BENCH_DIR/vm_wall"
  field "$BENCH_DIR/vm$i" vm_boot_ms | awk '{print $1/1000}' >> "$BENCH_DIR/vm_boot"

  t0=$(now)
  "$HARNESS" run --backend host "$SCENARIO" --out "$BENCH_DIR/host$i" >/dev/null 2>&1 || true
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}' >> "$BENCH_DIR/host_wall"

  echo "round $i: floor $(tail -1 "$BENCH_DIR/floor") s; vm boot $(tail -1 "$BENCH_DIR/vm_boot") s, wall $(tail -1 "$BENCH_DIR/vm_wall" | cut -c1-5) s, $(text "$BENCH_DIR/vm$i" verdict), sigsegv+sigbus $(crashes "$BENCH_DIR/vm$i"); host wall $(tail -1 "$BENCH_DIR/host_wall" | cut -c1-5) s, $(text "$BENCH_DIR/host$i" verdict), sigsegv+sigbus $(crashes "$BENCH_DIR/host$i")" >&2
done

ACC=$(text "$BENCH_DIR/vm1" accelerator)
FORM=$(text "$BENCH_DIR/vm1" guest_kernel_form)
FLOOR=$(median < "$BENCH_DIR/floor")
BOOT=$(median < "$BENCH_DIR/vm_boot")
VM=$(median < "$BENCH_DIR/vm_wall")
HOST=$(median < "$BENCH_DIR/host_wall")
printf '%-52s %s\n' "scenario" "$(basename "$SCENARIO" .json), median of $N rounds"
printf '%-52s %.2f s\n' "floor ($ACC): qemu start -> bare /init" "$FLOOR"
printf '%-52s %.2f s\n' "vm ($ACC, $FORM): qemu start -> guest agent ready" "$BOOT"
printf '%-52s %.2f s\n' "vm ($ACC): whole run, wall" "$VM"
printf '%-52s %.2f s\n' "host backend: whole run, wall" "$HOST"
echo "boot/floor ratio $(ratio "$BOOT" "$FLOOR")"
echo "vm/host ratio $(ratio "$VM" "$HOST") (whole run)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
