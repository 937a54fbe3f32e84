#!/usr/bin/env bash
# Runs every check and test of d1 on this machine, setting it up first when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== lint"
npx eslint . --max-warnings 0
npx prettier --check . >/dev/null
echo "== unit tests"
npx jest --selectProjects unit --ci
echo "== end-to-end tests"
npx jest --selectProjects e2e --ci --runInBand --forceExit
