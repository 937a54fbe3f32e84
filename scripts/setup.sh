#!/usr/bin/env bash
# Installs what d1 needs when it is missing: Debian's Jupyter stack (and the WebDAV test clients with
# --test), npm packages, and the compiled server in dist/. Safe to run again; does nothing when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
# d1 runs on the active Node.js LTS line (fetched from the npm registry when the machine has another).
PATH="$(bash scripts/node.sh):$PATH"
export PATH

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

packages=(jupyter-server jupyter-client python3-ipykernel python3-nbformat python3-jupyter-client)
[ "$want_test" -eq 1 ] && packages+=(litmus davfs2 cadaver procps chromium python3-matplotlib)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund
fi

# The server's TypeScript, and the page's sources (apps/web: tsx, css, html, its build script).
newest_src=$(find apps libs tsconfig.json tsconfig.build.json package-lock.json -newer dist/.built \
  \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.html' -o -name '*.mjs' -o -name '*.json' \) \
  -not -path '*/node_modules/*' -print -quit 2>/dev/null || true)
if [ ! -f dist/.built ] || [ -n "$newest_src" ]; then
  echo "setup: building"
  npm run build --silent
  touch dist/.built
fi

# Put start-d1 on the PATH (the bin of package.json) when we may.
if [ -w /usr/local/bin ] && [ "$(readlink -f /usr/local/bin/start-d1 2>/dev/null)" != "$(pwd)/bin/start-d1" ]; then
  ln -sf "$(pwd)/bin/start-d1" /usr/local/bin/start-d1
fi
