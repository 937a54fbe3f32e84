#!/usr/bin/env bash
# Runs d1's benchmarks (never part of `npm test`): sets d1 up and builds it when needed, compiles bench/,
# then prints one JSON object per benchmark and writes them all to bench/results/latest.json.
#   BENCH_ONLY=roundtrip,fanout,flood,startup,concurrency,mcp   which ones (default: all)
#   BENCH_N=300 BENCH_WARMUP=30                             1+1 round trips per path
#   BENCH_CONC_SECONDS=30                                   duration of the concurrency run
#   BENCH_CPU_PROF=DIR                                      write a .cpuprofile of every d1 started
set -euo pipefail
cd "$(dirname "$0")/.."
# d1 runs on the active Node.js LTS line (fetched from the npm registry when the machine has another).
PATH="$(bash scripts/node.sh):$PATH"
export PATH
bash scripts/setup.sh >&2
npx tsc -p bench/tsconfig.json
exec node dist-bench/bench/run.js
