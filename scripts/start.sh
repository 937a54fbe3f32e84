#!/usr/bin/env bash
# Sets d1 up when needed, then starts it: scripts/start.sh --secret-token S [--port 8000] [--root-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/start-d1 "$@"
