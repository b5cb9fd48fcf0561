#!/usr/bin/env bash
# Run the test suite of a real client package (datamaestro 1.16.1, which subclasses our
# Prepare, JsonSettings, mkdocs plugin... ) against this experimaestro, in its own
# virtual environment (.venv-clients). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-clients
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade --force-reinstall --no-deps .
"$VENV/bin/pip" install --quiet . 'datamaestro==1.16.1' pytest
SITE=$("$VENV/bin/python" -c 'import datamaestro, os; print(os.path.dirname(datamaestro.__file__))')
# From a neutral folder: the repository's own experimaestro/ must not shadow the install
cd "$(mktemp -d)"
exec "$OLDPWD/$VENV/bin/python" -m pytest -q -p no:cacheprovider "$SITE/test" "$@"
