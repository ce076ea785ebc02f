#!/usr/bin/env bash
# Set up genflow on a fresh clone: .venv at the repository root, the project installed into it,
# and the offline data obtained when TFDS's servers cannot be reached.
#   bash scripts/setup.sh          runtime install
#   bash scripts/setup.sh --dev    runtime + test tools
# Re-running is cheap: the install is skipped while pyproject.toml is unchanged.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"

python="${GENFLOW_PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
  done
fi
[ -n "$python" ] || { echo "setup: no python3 found (need 3.11 or 3.12)" >&2; exit 2; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$python" --version)"
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi

stamp=".venv/.genflow-install"
want="$(sha256sum pyproject.toml | cut -c1-64)${extras}"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "setup: installing genflow${extras} into .venv (first time: a few minutes)"
  # uv installs the same resolution about three times faster than pip (24 s against 72 s here,
  # bytecode compiled in parallel); pip does it when uv cannot be had or fails (uv reads no
  # pip.conf: GENFLOW_INSTALLER=pip keeps a private index's settings in force).
  if [ "${GENFLOW_INSTALLER:-uv}" = "uv" ] \
      && .venv/bin/python -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1 \
      && .venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode \
           -e ".${extras}"; then
    :
  else
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
  fi
  echo "$want" > "$stamp"
fi

bash scripts/fetch-offline-data.sh

# Debian packages the test tiers use, installed where missing (root, or sudo without a prompt).
apt_install() {  # PACKAGE WHAT-NEEDS-IT
  local sudo=""
  [ "$(id -u)" = "0" ] || sudo="sudo -n"
  echo "setup: installing Debian's $1 for $2"
  $sudo apt-get install -y -qq "$1" >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$1" >/dev/null; } \
    || echo "setup: could not install $1; $2 will fail" >&2
}

# The server tier runs Prefect's server on a real PostgreSQL.
if [ -n "$extras" ] && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt_install postgresql "the production-server test"
fi

# The test suite renders the HTML report in a real headless browser.
if [ -n "$extras" ] && ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium "the HTML report test"
fi
