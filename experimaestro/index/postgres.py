"""The workspace index in a PostgreSQL database, for a workspace used by several users,
machines or clusters at once (an SQLite file on a network file system is not safe
there). The workspace names the database in ``.experimaestro/index.json`` (see
config.py); ``experimaestro workspace index --postgres DSN`` writes it.

One database may hold the index of several workspaces: the tables (those of store.py,
in the schema ``experimaestro_index``) have a ``workspace`` column, the workspace id of
index.json. The writers of one workspace are serialised (an advisory lock per workspace,
taken at the start of each write transaction, as SQLite's ``BEGIN IMMEDIATE`` does), so
concurrent upserts of the same rows neither deadlock nor fail; writers of different
workspaces touch different rows and run side by side.

The index is a cache of the job folders. When the server cannot be reached, every
operation raises IndexUnavailable (in ``errors``): a command stops with a message saying
what to do, a driver logs a warning and runs on (see JobIndex._write). After a failed
connection, the store does not try again for ``retry_after`` seconds (a driver updating
the index after each job does not wait for a time-out each time).
"""

import contextlib
import hashlib
import time
from pathlib import Path
from typing import Iterable, List, Optional

# (ImportError without psycopg: config.store_for says which extra to install)
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .errors import IndexUnavailable
from .store import ALL_TABLES, SCHEMA_VERSION, Store, _tables

__all__ = ["PostgresStore", "SCHEMA", "safe_dsn"]

#: the PostgreSQL schema holding the tables (apart from any other application's)
SCHEMA = "experimaestro_index"
#: the tables, in PostgreSQL's column types
POSTGRES_TABLES = _tables("TEXT", "BIGINT", "DOUBLE PRECISION")
#: the advisory lock held while the tables are created or replaced ("xpmi")
_SCHEMA_LOCK = 0x78706D69
#: seconds to wait for the server when connecting, unless the DSN says otherwise
CONNECT_TIMEOUT = 10


def safe_dsn(dsn: str) -> str:
    """The connection string without its password (for messages)."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.Error:
        return "(a connection string that cannot be read)"
    params.pop("password", None)
    return make_conninfo(**params)


class PostgresStore(Store):
    """The tables of one workspace (``workspace_id``) in the PostgreSQL database of
    ``dsn``; ``config_path``: the file that chose it (named in error messages)."""

    placeholder = "%s"
    errors = (IndexUnavailable,)

    def __init__(self, dsn: str, workspace_id: str, config_path: Optional[Path] = None,
                 retry_after: float = 30.0):
        super().__init__(workspace_id)
        self.dsn = dsn
        self.config_path = config_path
        self.retry_after = retry_after
        self._conn: Optional[psycopg.Connection] = None
        self._failed: Optional[IndexUnavailable] = None
        self._retry_at = 0.0
        digest = hashlib.sha256(f"experimaestro index {workspace_id}".encode()).digest()
        #: the advisory lock of the workspace's writers (a signed 64-bit integer)
        self._lock = int.from_bytes(digest[:8], "big", signed=True)

    def __repr__(self):
        return f"PostgresStore({safe_dsn(self.dsn)!r}, {self.workspace_id!r})"

    # -- the connection ------------------------------------------------------------------

    def connect(self) -> psycopg.Connection:
        """The connection (opened, and the tables created, on first use, or again after
        it was lost); IndexUnavailable when the server cannot be used."""
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        self._drop_connection()
        if self._failed is not None and time.monotonic() < self._retry_at:
            raise self._failed
        try:
            kwargs = {} if "connect_timeout" in conninfo_to_dict(self.dsn) \
                else {"connect_timeout": CONNECT_TIMEOUT}
            conn = psycopg.connect(self.dsn, autocommit=True, **kwargs)
        except psycopg.Error as exc:
            raise self._down(exc) from None
        try:
            self._prepare(conn)
        except psycopg.Error as exc:
            conn.close()
            raise self._down(exc) from None
        except BaseException:
            conn.close()
            raise
        self._conn, self._failed = conn, None
        return conn

    def _down(self, exc: BaseException) -> IndexUnavailable:
        """The error saying that the server cannot be used (remembered for a while)."""
        self._failed = exc if isinstance(exc, IndexUnavailable) else self._error(
            f"cannot connect to the PostgreSQL server: {_one_line(exc)}",
            "start the server, or fix the connection string (`experimaestro workspace"
            f" index --workdir {self._workdir()} --postgres DSN`)")
        self._retry_at = time.monotonic() + self.retry_after
        return self._failed

    def _error(self, what: str, fix: str) -> IndexUnavailable:
        where = f" (chosen by {self.config_path})" if self.config_path else ""
        return IndexUnavailable(
            f"The workspace index in PostgreSQL ({safe_dsn(self.dsn)}){where}: {what}\n"
            f"To fix it: {fix}; or go back to the SQLite file of the workspace:"
            f" `experimaestro workspace index --workdir {self._workdir()} --sqlite`.")

    def _workdir(self) -> str:
        return str(self.config_path.parent.parent) if self.config_path else "WORKSPACE"

    def _prepare(self, conn: psycopg.Connection):
        """Create the tables, or replace those of an older version, unless they are
        there; refuse those of a newer version (replacing them would make the newer
        experimaestro replace them again, and so on)."""
        if self._version(conn) != SCHEMA_VERSION:
            with conn.transaction():
                # One creator at a time (CREATE ... IF NOT EXISTS races with itself)
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
                version = self._version(conn)
                if version != SCHEMA_VERSION:
                    self._check_not_newer(version)
                    # Every workspace of the database loses its rows: each is read again
                    # from its folders when next used (the index is a cache)
                    for table in ALL_TABLES:
                        conn.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{table}")
                    conn.execute(f"SET LOCAL search_path TO {SCHEMA}")
                    for statement in POSTGRES_TABLES:
                        conn.execute(statement)
                    conn.execute("INSERT INTO meta (key, value) VALUES ('schema', %s)",
                                 (SCHEMA_VERSION,))
        conn.execute(f"SET search_path TO {SCHEMA}")

    def _check_not_newer(self, version: Optional[str]):
        if version is not None and (not version.isdigit()
                                    or int(version) > int(SCHEMA_VERSION)):
            raise self._error(
                f"its tables were made by a newer experimaestro (index version {version};"
                f" this one writes version {SCHEMA_VERSION})",
                "upgrade experimaestro, or give this workspace a database of its own")

    @staticmethod
    def _version(conn: psycopg.Connection) -> Optional[str]:
        found = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.meta",)).fetchone()
        if found[0] is None:
            return None
        row = conn.execute(f"SELECT value FROM {SCHEMA}.meta WHERE key = 'schema'").fetchone()
        return row[0] if row else None

    def _drop_connection(self):
        conn, self._conn = self._conn, None
        self._depth = 0
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    @contextlib.contextmanager
    def _guard(self):
        """Operational errors (a lost connection, a server shutting down) as
        IndexUnavailable; the connection is opened again at the next use."""
        try:
            yield
        except psycopg.OperationalError as exc:
            if self._conn is not None and (self._conn.closed or self._conn.broken):
                self._drop_connection()
            raise self._error(f"the server failed: {_one_line(exc)}",
                              "check that the server runs and accepts us") from exc

    # -- Store ---------------------------------------------------------------------------

    def execute(self, sql: str, params: tuple = ()):
        with self._guard():
            self.connect().execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[tuple]):
        with self._guard():
            with self.connect().cursor() as cursor:
                cursor.executemany(sql, rows)

    def query(self, sql: str, params: tuple = ()) -> List[tuple]:
        with self._guard():
            return self.connect().execute(sql, params).fetchall()

    @contextlib.contextmanager
    def transaction(self):
        """One write transaction (READ COMMITTED), after taking the workspace's lock;
        nested blocks join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth = max(0, self._depth - 1)
            return
        conn = self.connect()
        with self._guard():
            conn.execute("BEGIN")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock,))
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            with contextlib.suppress(psycopg.Error):
                if not conn.closed and not conn.broken:
                    conn.execute("ROLLBACK")
            raise
        self._depth = 0
        with self._guard():
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def reading(self):
        if self._depth:
            yield
            return
        conn = self.connect()
        with self._guard():
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
            with contextlib.suppress(psycopg.Error):
                if not conn.closed and not conn.broken:
                    conn.execute("COMMIT")

    def close(self):
        self._drop_connection()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__

