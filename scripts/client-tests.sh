#!/usr/bin/env bash
# Real client packages against this experimaestro, in their own virtual environment
# (.venv-clients, made by client-envs.sh): a smoke test of xpm-mlboard 0.3.1 (services),
# then the test suite of datamaestro 1.16.1 (Prepare, JsonSettings, the mkdocs plugin...).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-clients
[ -n "${XPM_COMPAT_ENVS_READY:-}" ] || bash scripts/client-envs.sh
SITE=$("$VENV/bin/python" -c 'import datamaestro, os; print(os.path.dirname(datamaestro.__file__))')
SMOKE="$PWD/tests/clients/mlboard_smoke.py"
# From a neutral folder: the repository's own experimaestro/ must not shadow the install
cd "$(mktemp -d)"
"$OLDPWD/$VENV/bin/python" "$SMOKE"
exec "$OLDPWD/$VENV/bin/python" -m pytest -q -p no:cacheprovider "$SITE/test" "$@"
