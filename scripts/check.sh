#!/usr/bin/env bash
# Set up Parity and run every check exactly as CI does: tests, ruff, mypy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The dashboard's browser tests need Debian's Chromium and fonts for the six languages
# (they fail, not skip, without them). Installed here when running as root and missing.
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ] || [ ! -d /usr/share/fonts/truetype/noto ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core fonts-noto-cjk >/dev/null
  else
    echo "Chromium (/usr/bin/chromium) or the Noto fonts are missing: install the Debian packages" \
         "chromium fonts-noto-core fonts-noto-cjk, or the browser tests will fail." >&2
  fi
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider
