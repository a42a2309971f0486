#!/usr/bin/env bash
# Set up (see setup.sh) and run the whole test suite: lint, types, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
. .venv/bin/activate
ruff check src tests
mypy
python -m pytest -n 2 -q "$@"
