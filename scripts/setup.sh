#!/usr/bin/env bash
# Create .venv and install Parity with its development tools. Safe to run again.
#   bash scripts/setup.sh            Parity and its development tools (no Java, no server needed)
#   bash scripts/setup.sh --engines  also the PostgreSQL and Spark engines (extras postgres, spark;
#                                    Spark needs Java 17 to run)
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="dev"
for arg in "$@"; do
  case "$arg" in
    --engines) EXTRAS="dev,postgres,spark" ;;
    *) echo "usage: $0 [--engines]" >&2; exit 2 ;;
  esac
done
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY="$cand"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "Parity needs Python 3.11 or newer; install it and run again." >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$EXTRAS]"

# Front-end assets the dashboard serves itself (no CDN): pinned in package.json and
# package-lock.json, installed with npm, copied into the package's static/vendor folder
# (git-ignored). axe-core stays in node_modules for the browser tests.
if command -v npm >/dev/null 2>&1; then
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  VENDOR=src/parity/web/static/vendor
  mkdir -p "$VENDOR/fonts"
  cp node_modules/vega/build/vega.min.js node_modules/vega-lite/build/vega-lite.min.js \
     node_modules/vega-embed/build/vega-embed.min.js "$VENDOR/"
  cp node_modules/vega/LICENSE "$VENDOR/LICENSE-vega.txt"
  for weight in 400 700; do
    for subset in latin latin-ext cyrillic; do
      cp "node_modules/@fontsource/noto-sans/files/noto-sans-$subset-$weight-normal.woff2" "$VENDOR/fonts/"
    done
    cp "node_modules/@fontsource/noto-sans-arabic/files/noto-sans-arabic-arabic-$weight-normal.woff2" "$VENDOR/fonts/"
  done
  cp node_modules/@fontsource/noto-sans/LICENSE "$VENDOR/fonts/LICENSE-OFL.txt"
else
  echo "npm was not found: the dashboard will show its tables without charts." \
       "Install Node.js with npm and run scripts/setup.sh again." >&2
fi
