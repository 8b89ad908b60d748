#!/usr/bin/env bash
# Set up Parity and run the demo on the embedded store (DuckDB, synthetic data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/parity demo "$@"
