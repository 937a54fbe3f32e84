#!/usr/bin/env bash
# Prints the bin directory of a Node.js of the given major line (default: the active LTS d1 is built and tested on).
# The machine's node is used when it is of that line; otherwise the official binary is taken from the npm registry
# (the node-linux-<arch> package carries it) into .cache/node/, once, so no other download is needed.
#   scripts/node.sh [MAJOR]        e.g. `PATH="$(bash scripts/node.sh):$PATH" npm test`
set -euo pipefail
cd "$(dirname "$0")/.."

major=${1:-24}
if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node.sh: no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac

dir=".cache/node/$major"
if [ ! -x "$dir/bin/node" ]; then
  echo "node.sh: fetching Node.js $major from the npm registry" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tarball=$(cd "$tmp" && npm pack --silent "node-linux-$arch@$major")
  mkdir -p "$tmp/x"
  tar -xzf "$tmp/$tarball" -C "$tmp/x"
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  mv "$tmp/x/package" "$dir"
  # npm and npx of that line are not in the package: the machine's npm runs on whichever node is first on PATH.
fi
"$dir/bin/node" --version >/dev/null
echo "$(pwd)/$dir/bin"
