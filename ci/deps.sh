#!/usr/bin/env bash
# Installs the Debian 12 packages the harness needs to build, test and run
# scenarios (host and vm backends). Idempotent: apt runs only when
# something is missing. Every entry point (README, .ci/run, ci/*.yml,
# vagrant/) goes through this one list.
set -euo pipefail

PACKAGES=(
  # build
  g++ cmake make pkg-config git
  libmount-dev libboost-dev libboost-filesystem-dev libfmt-dev nlohmann-json3-dev liblz4-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # run: images, loop devices, VMs
  e2fsprogs util-linux kmod qemu-system-x86 linux-image-cloud-amd64 busybox-static
  # test: JUnit schema check, HTML report in a real browser, Vagrantfile parse
  libxml2-utils chromium ruby
  # test: sanitizers and libFuzzer for ci/sanitize.sh and ci/fuzz.sh
  clang-14 libclang-rt-14-dev llvm-14
  # test: CI definitions and Vagrantfile (yamllint, vagrant validate); .deb (dpkg-shlibdeps)
  yamllint vagrant dpkg-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
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
