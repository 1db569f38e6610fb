#!/usr/bin/env bash
# A skipped test is not a passed one. Reads the JUnit files of a test run
# (each unit-test program's, and ctest's, which marks a skipped gtest as
# skipped) and fails on any skip that ci/allowed-skips does not list; prints
# the allowed skips that were taken, with their reasons, so CI shows what it
# did not test on this machine.
#
#   ci/check-skips.sh JUNIT.xml...
set -euo pipefail
cd "$(dirname "$0")/.."
allow=ci/allowed-skips
(($#)) || { echo "usage: ci/check-skips.sh JUNIT.xml..." >&2; exit 2; }
command -v xmllint >/dev/null || { echo "ci/check-skips.sh: needs xmllint (apt-get install -y libxml2-utils)" >&2; exit 3; }

# The allowlist: "PATTERN  reason" a line (a shell glob over Suite.Name),
# '#' comments.
patterns=()
reasons=()
while IFS= read -r line; do
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  patterns+=("${line%%[[:space:]]*}")
  reason=${line#"${patterns[-1]}"}
  reasons+=("${reason#"${reason%%[![:space:]]*}"}")
done <"$allow"

# gtest: <testcase result="skipped"> (or a <skipped/> child); ctest:
# <testcase status="notrun"> with <skipped/>.
xp="//testcase[@result='skipped' or @status='notrun' or skipped]"
allowed=0
refused=0
for f in "$@"; do
  [[ -s $f ]] || { echo "ci/check-skips.sh: $f is missing or empty" >&2; exit 2; }
  n=$(xmllint --xpath "count($xp)" "$f")
  for ((i = 1; i <= n; i++)); do
    name=$(xmllint --xpath "string(($xp)[$i]/@name)" "$f")
    cls=$(xmllint --xpath "string(($xp)[$i]/@classname)" "$f")
    msg=$(xmllint --xpath "string(($xp)[$i]/skipped/@message)" "$f" | tr '\n' ' ')
    msg=${msg%"${msg##*[![:space:]]}"}
    if [[ $msg == SKIP_REGULAR_EXPRESSION_MATCHED ]]; then
      # ctest knows only that gtest printed "[  SKIPPED ]"; gtest's reason is
      # the line after "file:line: Skipped" in the output.
      msg=$(xmllint --xpath "string(($xp)[$i]/system-out)" "$f" | grep -A1 -m1 ': Skipped$' | tail -n1 || true)
    fi
    # gtest names a test Name in class Suite; ctest names it Suite.Name.
    id=$name
    [[ -n $cls && $cls != "$name" && $name != *.* ]] && id="$cls.$name"
    match=""
    for k in "${!patterns[@]}"; do
      # shellcheck disable=SC2053  # the pattern is a glob on purpose
      if [[ $id == ${patterns[k]} ]]; then match=${reasons[k]}; break; fi
    done
    if [[ -n $match ]]; then
      echo "ci/check-skips.sh: skipped (allowed: $match): $id${msg:+ -- $msg}"
      allowed=$((allowed + 1))
    else
      echo "ci/check-skips.sh: SKIPPED AND NOT ALLOWED: $id${msg:+ -- $msg} ($(basename "$f"))" >&2
      refused=$((refused + 1))
    fi
  done
done
echo "ci/check-skips.sh: $allowed allowed skip(s), $refused not allowed (allowlist: $allow)"
((refused == 0))
