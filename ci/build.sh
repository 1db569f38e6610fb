#!/usr/bin/env bash
# Configures and builds with the CI preset (warnings are errors): every
# target, or only the ones named (ci/reproduce.sh builds harness and
# stack-install).
#
#   ci/build.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset ci >/dev/null
targets=()
(($#)) && targets=(--target "$@")
cmake --build --preset ci -j"$(nproc)" "${targets[@]}"
