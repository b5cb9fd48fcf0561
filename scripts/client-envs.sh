#!/usr/bin/env bash
# The virtual environments of the client-package tests, both from
# tests/compat/client-packages.txt (pinned versions):
#   .venv-clients  this experimaestro (installed from this tree) + the client packages
#   .venv-ref27    experimaestro 2.7.0 + the same client packages (the reference; never a
#                  dependency of this project)
# Idempotent: a second run only reinstalls this experimaestro.
set -euo pipefail
cd "$(dirname "$0")/.."
REQS=tests/compat/client-packages.txt

quiet_pip() {
    # This machine's pip configuration warns about absent local indexes: not our output
    "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}

make_env() {
    local venv=$1; shift
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    # torch first, alone: the CPU build pinned in $REQS (see there)
    quiet_pip "$venv/bin/pip" install --quiet "$(grep '^torch==' "$REQS")"
    quiet_pip "$venv/bin/pip" install --quiet "$@" -r "$REQS"
}

make_env .venv-ref27 'experimaestro==2.7.0'
# Ours first without dependencies, so that pip never replaces it with a release from
# the index when it resolves the clients' requirement on experimaestro
[ -x .venv-clients/bin/python ] || python3 -m venv .venv-clients
quiet_pip .venv-clients/bin/pip install --quiet --force-reinstall --no-deps .
make_env .venv-clients
