#!/usr/bin/env bash
# Measures which everyday tools are safe to deploy an image with over one
# that is mounted, and writes docs/tools.md from the runs: every tool of
# examples/tools/install-with.sh, and the hardened fixture for reference,
# through every matrix fault on the host, then the power cut and the
# failing disk in a VM. One run per cell. Run from a built tree
# (ci/build.sh), as root; takes about 10 minutes on 2 cores (TCG).
# ci/check-tools-table.sh says when docs/tools.md no longer matches its
# inputs (the wrapper, this script, the tools' versions, the harness's).
#
# usage: ci/tools-table.sh [OUT_DIR]   (default: a new folder in /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
harness=${HARNESS:-build/harness/harness}
out=${1:-$(mktemp -d /tmp/harness-tools.XXXXXX)}
tools=(cp install rsync rsync-inplace rsync-fsync curl tar dd-notrunc)
wrapper=$PWD/examples/tools/install-with.sh
rows=()
for t in "${tools[@]}"; do rows+=(--installer "$t=/bin/sh $wrapper $t {source} {dest} {name}"); done
keep=$(IFS=,; echo "${tools[*]},hardened")
# What the wrapper calls, for the guest (it has only what a cell names).
programs=(--program "$wrapper")
for p in cp install rsync curl tar dd rm mkdir sync sha256sum mv; do programs+=(--program "$p"); done

# A matrix's gate exit (1 UNSAFE, 5 inconclusive) is a finding, not a
# failure of this job; anything else (2, 3, 4, 130) is.
matrix() {
  local rc=0
  "$harness" matrix "$@" || rc=$?
  case $rc in 0 | 1 | 5) ;; *) echo "ci/tools-table.sh: harness matrix $* exited $rc" >&2; exit "$rc" ;; esac
}
matrix --backend host "${rows[@]}" --installers "$keep" --out "$out/host"
matrix --backend vm -j 2 "${rows[@]}" "${programs[@]}" --installers "$keep" --faults power-cut,eio --out "$out/vm"

# The table of a matrix.md, and the reasons under it, one heading down.
body() { sed -e '1,/^| installer/{/^| installer/!d}' -e 's/^## /### /' "$1"; }
fingerprint=$(ci/check-tools-table.sh --fingerprint)
# The VM runs' accelerator, as their reports say.
accel() {
  find "$out/vm" -name report.json -print0 | xargs -0 grep -ho '"accelerator": *"[a-z]*"' | sort -u | cut -d'"' -f4 |
    paste -sd, -
}
{
  cat <<HEAD
# Which tools are safe to deploy an image with

<!-- produced by ci/tools-table.sh; do not edit. fingerprint: $fingerprint -->

Measured by \`ci/tools-table.sh\` on $(date -u +%Y-%m-%d) ($(uname -r), $(nproc) cores; the vm backend's
accelerator: $(accel)),
one run per cell, from real runs: each tool installs \`{source}/stack.img\` as
\`{dest}/stack.img\` through \`examples/tools/install-with.sh TOOL\`, which
publishes the \`.sha256\` sidecar by one protocol for every tool (the old
sidecar removed durably first; after the tool, a new one written to a
temporary name, synced and renamed into place), so the tool alone makes
the difference. The faults and invariants are \`harness matrix\`'s
([matrix-and-ablate.md](matrix-and-ablate.md)); **UNSAFE** broke an
invariant (the reason is below each table), *inconclusive* means the
fault was not exercised (never "safe"). \`hardened\` is the fixture's
hardened installer, for reference. The \`rsync\` rows use \`--checksum\`:
without it rsync's quick check (size, and mtime to the second) skipped a
new version of the old one's size made within the same second, and
reported success. A power cut's crash states are prefixes of the guest
disk's logged writes, each write applied whole (a 4 MiB write is never torn
in them; see [power-cut-and-io-errors.md](power-cut-and-io-errors.md)):
"safe" there means safe at every judged prefix. Not measured: \`wget\` (no \`file://\`,
and the VM has no network) and \`mv\` (it consumes the store: a copy and
an unlink across filesystems).

Versions: $(cp --version | head -1); $(install --version | head -1); $(rsync --version | head -1 | tr -s ' ');
$(curl --version | head -1 | cut -d' ' -f1-2); $(tar --version | head -1); $(dd --version | head -1).
Filesystem: ext4 made by the harness (\`mkfs.ext4\`, $(mkfs.ext4 -V 2>&1 | head -1)), the data
folder mounted with its defaults (\`rw,relatime\`; a \`power_cut\` folder \`sync\`-free, on a virtio-blk
disk whose writes qemu logs), the installed image loop-mounted \`ro,nodev,nosuid\`.

## On the host

$(body "$out/host/matrix.md")

## In a VM: power cut and a failing disk

$(body "$out/vm/matrix.md")
HEAD
} >docs/tools.md
echo "ci/tools-table.sh: wrote docs/tools.md from $out"
