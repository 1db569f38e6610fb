#!/usr/bin/env bash
# The reproduction command: install what is needed to build and run (not
# the test tools: ci/deps.sh runtime build), build the harness and the
# installer under test only (not the tests), and replay the Heroku 2017
# incident (scenarios/heroku-2017-truncation.json), printing the verdict
# and where the report is. Extra arguments go to `harness run`:
# scenario files, --out DIR, --shard I/N, or --backend vm to replay it in a
# disposable qemu VM instead of on this host (in a private mount namespace).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/deps.sh runtime build
ci/build.sh harness stack-install >/dev/null
args=("$@")
scenario_given=0
backend_given=0
for a in "${args[@]}"; do
  [[ $a == *.json ]] && scenario_given=1
  [[ $a == --backend ]] && backend_given=1
done
((scenario_given)) || args=(scenarios/heroku-2017-truncation.json "${args[@]}")
# The host backend is the quick, measured default here (10/10 reproductions
# in about 5 s); `harness run` itself defaults to a VM when qemu is present.
((backend_given)) || args=(--backend host "${args[@]}")
exec build/harness/harness run "${args[@]}"
