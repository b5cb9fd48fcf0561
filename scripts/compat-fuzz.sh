#!/usr/bin/env bash
# Random configuration schemas (tests/compat/fuzz.py) hashed by experimaestro 2.7.0 and by
# ours, then compared: no identifier may differ, no schema 2.7.0 builds may be refused.
#   bash scripts/compat-fuzz.sh [SEED [COUNT [OUTPUT_FOLDER]]]     (default: 0 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ -n "${XPM_COMPAT_ENVS_READY:-}" ] || bash scripts/client-envs.sh
SEED=${1:-0}
COUNT=${2:-1000}
OUT=$(realpath -m "${3:-$(mktemp -d)}")
mkdir -p "$OUT"
cd tests/compat  # not the repository root: its experimaestro/ must not shadow the installs
python3 fuzz.py --seed "$SEED" --count "$COUNT" "$OUT/cases.json"
"$ROOT/.venv-ref27/bin/python" case_digests.py "$OUT/cases.json" "$OUT/ref27.json"
"$ROOT/.venv-clients/bin/python" case_digests.py "$OUT/cases.json" "$OUT/ours.json"
exec python3 compare.py --fuzz "$OUT/ref27.json" "$OUT/ours.json"
