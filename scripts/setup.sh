#!/usr/bin/env bash
# Create .venv and install augwise with everything it needs.
#   bash scripts/setup.sh          # runtime: engine, doctor, tuner (CPU PyTorch)
#   bash scripts/setup.sh --test   # plus the test tools, Keras 3.15 and the system packages
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# CPU build of PyTorch: pinned so pip takes the local CPU wheel instead of a multi-GB CUDA build
python -m pip install -q "torch==2.13.0" 2>&1 | grep -v "is ignored" || true
if [ "${1:-}" = "--test" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    need=()
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
    if [ ${#need[@]} -gt 0 ]; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null) \
        || echo "setup: could not install ${need[*]}; the tests that need them will be skipped"
    fi
  fi
  python -m pip install -q -e ".[test,tune,torch,bench,postgres]" 2>&1 | grep -v "is ignored" || true
else
  python -m pip install -q -e ".[tune,torch]" 2>&1 | grep -v "is ignored" || true
fi
python -c "import augwise, torch; print('augwise', augwise.__version__, '| torch', torch.__version__)"
