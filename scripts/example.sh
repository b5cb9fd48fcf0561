#!/usr/bin/env bash
# Install experimaestro in .venv and run the example experiment (workspace: $1 or ./example-workspace).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet -e .
exec .venv/bin/python examples/linear_regression.py "${1:-example-workspace}"
