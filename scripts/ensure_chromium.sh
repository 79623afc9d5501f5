#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with Playwright (Playwright cannot download
# its own browser here). Install it with apt when it is missing and we are root.
set -euo pipefail
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "error: $CHROMIUM is missing; install it with: sudo apt-get install chromium" >&2
  exit 1
fi
echo "Installing Chromium for the browser tests (apt-get install chromium)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
"$CHROMIUM" --version
