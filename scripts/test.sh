#!/usr/bin/env bash
# Runs every check and test of d1 on this machine, setting it up first when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
npx tsc --noEmit -p bench/tsconfig.json
echo "== lint"
npx eslint . --max-warnings 0
npx prettier --check . >/dev/null
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
echo "== unit tests"
npx jest --selectProjects unit --ci --json --outputFile="$results/unit.json" || status=1
echo "== end-to-end tests"
npx jest --selectProjects e2e --ci --runInBand --forceExit --json --outputFile="$results/e2e.json" || status=1
node -e '
  const r = process.argv.slice(1).map((f) => { try { return require(f); } catch { return { numPassedTests: 0, numFailedTests: 1 }; } });
  const sum = (k) => r.reduce((n, x) => n + x[k], 0);
  console.log(`${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed`);
' "$results/unit.json" "$results/e2e.json"
exit $status
