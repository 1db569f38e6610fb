#!/usr/bin/env bash
# After the suite: nothing of the harness may be left on the host. Looks
# (and only looks) for qemu processes booted by the harness (their kernel
# command line carries harness.marker=), loop devices whose backing file is
# in a harness test or run directory, mounts there (in any mount
# namespace), and processes still in a run's cgroup (harness-PID-N). Exit 1
# with a list when anything is found.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
patterns=("/tmp/harness-" "$REPO/reports/runs/" "$REPO/build/")
found=0

for p in /proc/[0-9]*; do
  cmd=$({ tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null || true)
  case "$cmd" in
    *qemu-system*harness.marker=*) echo "leak-check: qemu still running: pid ${p#/proc/}: ${cmd:0:200}"; found=1 ;;
  esac
done

for b in /sys/block/loop*/loop/backing_file; do
  [ -r "$b" ] || continue
  backing=$(cat "$b" 2>/dev/null || true)
  for pat in "${patterns[@]}"; do
    if [[ "$backing" == "$pat"* ]]; then
      dev=${b#/sys/block/}; echo "leak-check: loop device /dev/${dev%%/*} still backed by $backing"; found=1
    fi
  done
done

# Every mount namespace, not only this one: the harness mounts in a private
# namespace, and a process it left behind keeps that namespace and its
# mounts alive. Each namespace is read once, through the first process in it.
declare -A namespaces_read=()
for p in /proc/[0-9]*; do
  ns=$(readlink "$p/ns/mnt" 2>/dev/null) || continue
  [[ -z "${namespaces_read[$ns]:-}" ]] || continue
  namespaces_read[$ns]=1
  mountinfo=$(cat "$p/mountinfo" 2>/dev/null) || continue
  while read -r _ _ _ _ mnt _; do
    for pat in "${patterns[@]}"; do
      if [[ "$mnt" == "$pat"* ]]; then
        echo "leak-check: still mounted: $mnt (in $ns, held by pid ${p#/proc/} $(cat "$p/comm" 2>/dev/null))"; found=1
      fi
    done
  done <<< "$mountinfo"
done

# A run keeps every process it starts in a cgroup of its own, below the
# harness's cgroup on a cgroup2 mount (/sys/fs/cgroup, or .../unified).
while read -r cgmount; do
  while IFS= read -r -d '' cg; do
    if grep -qs '^populated 1' "$cg/cgroup.events"; then
      echo "leak-check: processes still in cgroup $cg: $(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | tr '\n' ' ')"
      found=1
    fi
  done < <(find "$cgmount" -mindepth 1 -type d -name 'harness-[0-9]*-[0-9]*' -prune -print0 2>/dev/null)
done < <(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo)

if ((found)); then
  echo "leak-check: the suite left the above behind" >&2
  exit 1
fi
echo "leak-check: no qemu, loop device, mount or cgroup process of the harness left on the host"
