#!/usr/bin/env bash
# Runs the litmus WebDAV compliance suites one by one against a running server and prints one line per suite:
#   litmus <suite> run=<n> passed=<n> failed=<n> warnings=<n>
# Exit status is non-zero when any suite failed or did not report.
# Usage: scripts/litmus.sh URL USER PASSWORD [SUITE...]   (default suites: basic copymove props locks http)
set -uo pipefail

if [[ $# -lt 3 ]]; then
  echo "usage: $0 URL USER PASSWORD [SUITE...]" >&2
  exit 2
fi
url=$1 user=$2 password=$3
shift 3
suites=("$@")
[[ ${#suites[@]} -eq 0 ]] && suites=(basic copymove props locks http)

# litmus writes debug.log and child.log into its working directory.
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

status=0
for suite in "${suites[@]}"; do
  output=$(cd "$workdir" && TESTS=$suite timeout 300 litmus "$url" "$user" "$password" 2>&1)
  summary=$(grep -E "<- summary for \`$suite'" <<<"$output" | tail -1)
  warnings=$(grep -c "WARNING:" <<<"$output")
  if [[ $summary =~ of\ ([0-9]+)\ tests\ run:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    echo "litmus $suite run=${BASH_REMATCH[1]} passed=${BASH_REMATCH[2]} failed=${BASH_REMATCH[3]} warnings=$warnings"
    [[ ${BASH_REMATCH[3]} -eq 0 ]] || status=1
  else
    echo "litmus $suite run=0 passed=0 failed=0 warnings=$warnings error=no-summary"
    status=1
  fi
  if [[ -n ${LITMUS_VERBOSE:-} ]] || ! grep -q " 0 failed" <<<"$summary"; then
    grep -E "FAIL|WARNING" <<<"$output" | sed "s/^/  $suite: /"
  fi
done
exit $status
