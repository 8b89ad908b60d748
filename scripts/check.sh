#!/usr/bin/env bash
# Set up Parity and run every check exactly as CI does: tests, ruff, mypy.
#   bash scripts/check.sh [PYTEST ARGS...]   (arguments, e.g. a test folder, go to pytest)
# The engine tests (tests/conformance) run on DuckDB, DataFusion, a local Spark session and two
# throwaway servers on loopback started by scripts/services.sh (stopped on exit): PostgreSQL
# and a Spark Connect server; each of them FAILS if its engine is missing. As root on Debian,
# the system packages are installed when missing (one apt-get update).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: a browser and fonts for the dashboard's browser tests; poppler, Pango and
# HarfBuzz for the PDF reports; Java for Spark (local and the Spark Connect server);
# PostgreSQL for the engine tests.
PACKAGES=(chromium fonts-noto-core fonts-noto-cjk fonts-dejavu-core poppler-utils
          libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing the Debian packages ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]}. Install them (as root: apt-get install ${missing[*]})," \
         "or the browser, report and engine tests will fail." >&2
  fi
fi

bash scripts/setup.sh --engines
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
export PARITY_TEST_ENGINES="duckdb,datafusion,postgres,pyspark,spark_connect"
bash scripts/services.sh run .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
