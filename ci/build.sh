#!/usr/bin/env bash
# Configures and builds with the CI preset (warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset ci >/dev/null
cmake --build --preset ci -j"$(nproc)"
