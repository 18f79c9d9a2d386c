#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs every check and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
ruff check core tests workbench notebooks sample_media
mypy
python -m pytest "$@"
