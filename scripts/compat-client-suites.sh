#!/usr/bin/env bash
# The test suites that client packages ship (datamaestro-text, datamaestro-ir, xpmir), run
# under experimaestro 2.7.0 and under ours: every test that passes there must pass here.
# Models of the HuggingFace Hub cannot be downloaded here: the tests needing them fail on
# both sides, at once (offline mode).
#   bash scripts/compat-client-suites.sh [OUTPUT_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ -n "${XPM_COMPAT_ENVS_READY:-}" ] || bash scripts/client-envs.sh
OUT=$(realpath -m "${1:-$(mktemp -d)}")
mkdir -p "$OUT"
status=0
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
for package in datamaestro_text datamaestro_ir xpmir; do
    for side in ref27 clients; do
        site=$("$ROOT/.venv-$side/bin/python" -c \
            "import $package, os; print(os.path.dirname($package.__file__))")
        # From a neutral folder, without this project's pytest configuration
        (cd "$OUT" && "$ROOT/.venv-$side/bin/python" -m pytest -q -rA -p no:cacheprovider \
            -c /dev/null --rootdir "$OUT" "$site/test" > "$OUT/$side-$package.log" 2>&1) || true
    done
    python3 tests/compat/suite_outcomes.py "$package" "$OUT/ref27-$package.log" \
        "$OUT/clients-$package.log" || status=1
done
exit $status
