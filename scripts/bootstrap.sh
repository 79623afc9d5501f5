#!/usr/bin/env bash
# Create .venv with Python 3.12+ and install the locked dependencies (only when the lock
# changed since the last install). Used by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

LOCK=requirements-dev.lock
VENV=.venv

python_ok() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null
}

find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.13 python3.12 python3.14 python3)
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  for dir in "$root"/versions/3.1[2-9]*/bin /usr/local/bin /usr/bin; do
    [ -x "$dir/python3" ] && candidates+=("$dir/python3")
  done
  for candidate in "${candidates[@]}"; do
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

if [ -x "$VENV/bin/python" ] && ! python_ok "$VENV/bin/python"; then
  echo "Removing $VENV: it was made with Python older than 3.12."
  rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! PY=$(find_python); then
    echo "error: Python 3.12 or newer is needed and none was found." >&2
    echo "Install one (e.g. 'pyenv install 3.13' or 'apt-get install python3.12') or set PYTHON=/path/to/python3.12." >&2
    exit 1
  fi
  echo "Creating $VENV with $PY ($("$PY" --version))"
  "$PY" -m venv "$VENV"
fi

want=$(sha256sum "$LOCK" | cut -d' ' -f1)
have=$(cat "$VENV/.lock-sha256" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "Installing locked dependencies from $LOCK"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$LOCK"
  "$VENV/bin/python" -m pip check
  echo "$want" > "$VENV/.lock-sha256"
fi
