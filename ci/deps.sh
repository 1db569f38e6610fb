#!/usr/bin/env bash
# The Debian 12 packages the harness needs, in three sets, and their
# installation. Every entry point (README, .ci/run, ci/*.yml, vagrant/)
# goes through these lists.
#
#   ci/deps.sh [SET...]        install the sets (default: all three);
#                              apt runs only when something is missing
#   ci/deps.sh --print SET     list a set, one package a line; installs nothing
#
#   runtime  what `harness run` needs: images, loop devices, VMs, and the
#            shared libraries of the binaries
#   build    what building the harness and stack-install needs
#   test     what only the test suite and the CI checks need
#
# ci/reproduce.sh installs runtime and build; ci/test.sh all three.
set -euo pipefail

RUNTIME=(
  # images, loop devices, drop_caches
  e2fsprogs util-linux kmod
  # the vm backend: qemu, the guest kernel, busybox for the guest
  qemu-system-x86 linux-image-cloud-amd64 busybox-static
  # the shared libraries the harness needs (its DT_NEEDED; Boost is
  # header-only or dropped by the linker, so only the build set has it)
  libmount1 libfmt9 liblz4-1
)
BUILD=(
  g++ cmake make pkg-config git
  libmount-dev libboost-dev libboost-filesystem-dev libfmt-dev nlohmann-json3-dev liblz4-dev
)
TEST=(
  # unit and integration tests
  libgtest-dev libgmock-dev libbenchmark-dev
  # JUnit schema check, HTML report in a real browser, Vagrantfile parse
  libxml2-utils chromium ruby
  # the rsync deploy scripts of examples/gate, run by the VM-parity tests;
  # the tools docs/tools.md measures (ci/tools-table.sh, and its freshness
  # check, which reads their versions)
  rsync curl
  # libFuzzer and its sanitizers for ci/fuzz.sh
  clang-14 libclang-rt-14-dev llvm-14
  # CI definitions and Vagrantfile (yamllint, vagrant validate); .deb (dpkg-shlibdeps)
  yamllint vagrant dpkg-dev
  # the installed harness(1) rendered as a user reads it (man -l)
  man-db
)

usage() {
  echo "usage: ci/deps.sh [runtime|build|test]...   or   ci/deps.sh --print runtime|build|test" >&2
  exit 2
}

# The packages of one set, by name.
set_packages() {
  case "$1" in
    runtime) printf '%s\n' "${RUNTIME[@]}" ;;
    build) printf '%s\n' "${BUILD[@]}" ;;
    test) printf '%s\n' "${TEST[@]}" ;;
    *) echo "ci/deps.sh: unknown package set \"$1\" (runtime, build or test)" >&2; return 2 ;;
  esac
}

if [[ ${1:-} == --print ]]; then
  [[ $# -eq 2 ]] || usage
  set_packages "$2"
  exit
fi
[[ ${1:-} == -* ]] && usage

sets=("$@")
((${#sets[@]})) || sets=(runtime build test)
packages=()
for s in "${sets[@]}"; do
  list=$(set_packages "$s") || exit 2
  mapfile -t -O "${#packages[@]}" packages <<<"$list"
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "ci/deps.sh: missing packages: ${missing[*]}; run as root (or with sudo) to install them" >&2
    exit 3
  fi
  echo "ci/deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
