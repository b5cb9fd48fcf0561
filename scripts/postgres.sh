#!/usr/bin/env bash
# A PostgreSQL server for the tests of the shared workspace index (tests/index): a
# cluster of its own in a folder, listening on a Unix socket in that folder only (no TCP
# port), where the role "xpm" connects without a password. Idempotent: a server already
# running there is reused, a stopped one is started, a missing one is created.
#
#   bash scripts/postgres.sh [--install]   prints the connection string (DSN), e.g.
#       host=/tmp/xpm-postgres-0 port=54329 user=xpm dbname=postgres
#   bash scripts/postgres.sh --stop        stops the server (the folder stays)
#
# --install: when the PostgreSQL server programs are missing, install Debian's
# `postgresql` package (apt-get; needs root). Exit code 3: no server programs.
# XPM_POSTGRES_DIR chooses the folder (default /tmp/xpm-postgres-$UID), XPM_POSTGRES_PORT
# the port number in the socket's name (default 54329).
# As root, the server runs as the "postgres" user (initdb and postgres refuse root).
set -euo pipefail

DIR="${XPM_POSTGRES_DIR:-/tmp/xpm-postgres-$(id -u)}"
PORT="${XPM_POSTGRES_PORT:-54329}"
DATA="$DIR/data"
DSN="host=$DIR port=$PORT user=xpm dbname=postgres"

say() { echo "postgres.sh: $*" >&2; }

find_bin() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$found" ] && [ -x "$found/initdb" ]; then echo "$found"; return 0; fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
    return 1
}

INSTALL=0
STOP=0
for arg in "$@"; do
    case "$arg" in
        --install) INSTALL=1 ;;
        --stop) STOP=1 ;;
        *) say "unknown argument $arg (expected --install or --stop)"; exit 2 ;;
    esac
done

if ! BIN=$(find_bin); then
    if [ "$INSTALL" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing Debian's postgresql package"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    fi
    if ! BIN=$(find_bin); then
        say "no PostgreSQL server programs (initdb) found: install PostgreSQL" \
            "(Debian: apt-get install postgresql), or run with --install as root"
        exit 3
    fi
fi

# The user that owns the cluster: ourselves, or "postgres" when we are root
if [ "$(id -u)" = 0 ]; then
    OWNER=postgres
    as_owner() { runuser -u postgres -- "$@"; }
else
    OWNER=$(id -un)
    as_owner() { "$@"; }
fi

if [ "$STOP" = 1 ]; then
    if [ -f "$DATA/postmaster.pid" ]; then as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2; fi
    exit 0
fi

ready() { "$BIN/pg_isready" -q -h "$DIR" -p "$PORT" >/dev/null 2>&1; }

mkdir -p "$DIR"
chown "$OWNER" "$DIR"
chmod 700 "$DIR"
# One caller at a time (tests started in parallel, .ci/run)
exec 9>"$DIR.lock"
flock 9

if ! ready; then
    if [ ! -f "$DATA/PG_VERSION" ]; then
        say "creating a cluster in $DATA"
        as_owner "$BIN/initdb" -D "$DATA" -U xpm --auth=trust -E UTF8 --no-locale >&2
    fi
    say "starting the server (log: $DIR/server.log)"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 \
        -o "-p $PORT -k $DIR -c listen_addresses= -c unix_socket_permissions=0700" start >&2 9>&-  # (the server must not hold our lock)
    if ! ready; then
        say "the server did not start; see $DIR/server.log"
        exit 1
    fi
fi
echo "$DSN"
