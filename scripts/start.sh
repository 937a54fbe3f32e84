#!/usr/bin/env bash
# Sets d1 up when needed, then starts it: scripts/start.sh --secret-token S [--port 8000] [--root-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
# d1 runs on the active Node.js LTS line (fetched from the npm registry when the machine has another).
PATH="$(bash scripts/node.sh):$PATH"
export PATH
bash scripts/setup.sh
exec bin/start-d1 "$@"
