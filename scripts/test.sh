#!/usr/bin/env bash
# Runs every check and test of d1 on this machine, setting it up first when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
# Set-up, checks and the whole suite run on the active LTS line; the other supported lines run the unit specs
# and a start-d1 smoke run below.
LTS=24
OTHER_LINES=(26)
machine_node=$(command -v node)
PATH="$(bash scripts/node.sh "$LTS"):$PATH"
export PATH
echo "== node $(node --version)"
bash scripts/setup.sh --test
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
npx tsc --noEmit -p bench/tsconfig.json
echo "== lint"
npx eslint . --max-warnings 0
npx depcruise apps libs --config .dependency-cruiser.js
npx prettier --check . >/dev/null
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
echo "== unit tests"
npx jest --selectProjects unit --ci --json --outputFile="$results/unit.json" || status=1
echo "== end-to-end tests"
npx jest --selectProjects e2e --ci --runInBand --forceExit --json --outputFile="$results/e2e.json" || status=1
echo "== other Node.js lines: unit specs and a start-d1 smoke run"
others=()
for major in "${OTHER_LINES[@]}"; do others+=("$(bash scripts/node.sh "$major")/node"); done
machine_major=$("$machine_node" -p 'process.versions.node.split(".")[0]')
if [ "$machine_major" != "$LTS" ] && [[ " ${OTHER_LINES[*]} " != *" $machine_major "* ]]; then
  others+=("$machine_node")
fi
for other in "${others[@]}"; do
  line=$("$other" -p 'process.versions.node.split(".")[0]')
  echo "-- $("$other" --version)"
  "$other" node_modules/.bin/jest --selectProjects unit --ci --silent --json \
    --outputFile="$results/unit-node$line.json" >/dev/null 2>&1 || status=1
  "$other" -e "
    const r = require('$results/unit-node$line.json');
    console.log(r.numPassedTests + ' unit tests passed, ' + r.numFailedTests + ' failed');
    for (const s of r.testResults)
      for (const a of s.assertionResults) if (a.status === 'failed') console.log('  failed: ' + a.fullName + '\\n    ' + a.failureMessages.join('\\n').split('\\n').slice(0, 6).join('\\n    '));
  " || status=1
  "$other" scripts/smoke.js || status=1
done
node -e '
  const r = process.argv.slice(1).map((f) => { try { return require(f); } catch { return { numPassedTests: 0, numFailedTests: 1 }; } });
  const sum = (k) => r.reduce((n, x) => n + x[k], 0);
  console.log(`${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed`);
' "$results/unit.json" "$results/e2e.json"
exit $status
