#!/usr/bin/env bash
# Install axe-core (the accessibility engine the browser journeys inject into every page)
# from tests/e2e/package-lock.json, when it is missing or the lock changed.
set -euo pipefail
cd "$(dirname "$0")/../tests/e2e"
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing npm (Debian) for axe-core"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "error: npm is needed for the browser tests' axe-core (apt-get install npm)." >&2
    exit 1
  fi
fi
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat node_modules/.lock-sha256 2>/dev/null || true)
if [ ! -f node_modules/axe-core/axe.min.js ] || [ "$want" != "$have" ]; then
  echo "Installing axe-core from tests/e2e/package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.lock-sha256
fi
