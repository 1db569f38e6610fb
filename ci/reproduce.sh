#!/usr/bin/env bash
# The reproduction command: install what is needed, build, and replay the
# Heroku 2017 incident (scenarios/heroku-2017-truncation.json), printing the
# verdict and where the report is. Extra arguments go to `harness run`
# (for example --backend host, or another scenario file).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh
ci/build.sh >/dev/null
if (($#)) && [[ $1 != -* ]]; then
  exec build/harness/harness run "$@"
fi
exec build/harness/harness run scenarios/heroku-2017-truncation.json "$@"
