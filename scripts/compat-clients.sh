#!/usr/bin/env bash
# Identifiers of every configuration class of the 2.x client packages (datamaestro,
# datamaestro-text, datamaestro-ir, xpm-torch, xpmir), computed by experimaestro 2.7.0
# and by ours from the same recipes, then compared (tests/compat/README.md).
#   bash scripts/compat-clients.sh [OUTPUT_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ -n "${XPM_COMPAT_ENVS_READY:-}" ] || bash scripts/client-envs.sh
OUT=$(realpath -m "${1:-$(mktemp -d)}")
mkdir -p "$OUT"
cd tests/compat  # not the repository root: its experimaestro/ must not shadow the installs
"$ROOT/.venv-ref27/bin/python" client_recipes.py "$OUT/recipes.json"
"$ROOT/.venv-ref27/bin/python" digests.py "$OUT/recipes.json" "$OUT/ref27.json"
"$ROOT/.venv-clients/bin/python" digests.py "$OUT/recipes.json" "$OUT/ours.json"
exec python3 compare.py "$OUT/ref27.json" "$OUT/ours.json"
