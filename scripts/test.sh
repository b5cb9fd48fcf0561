#!/usr/bin/env bash
# Install experimaestro with its test dependencies in .venv, then run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet -e '.[dev,postgres]'
exec .venv/bin/python -m pytest -q "$@"
