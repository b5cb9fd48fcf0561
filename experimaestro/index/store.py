"""Where the workspace index is kept: an SQLite database in the workspace
(``.experimaestro/index.sqlite``), or a PostgreSQL database shared by several users
(``index/postgres.py``). Both hold the same tables; this module has the SQL they share.

The index is a cache of the job folders (they stay the truth): a store that cannot be
opened or is damaged is set aside and rebuilt, never trusted over the folders.
"""

import abc
import contextlib
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from .errors import IndexUnavailable
from .jobrow import COLUMNS, DETAILS, LABELS

__all__ = ["Store", "SQLiteStore", "SCHEMA_VERSION", "RunStamp", "INDEX_FILE",
           "IndexUnavailable"]

logger = logging.getLogger("xpm.index")

#: bumped when the tables change: an index of another version is rebuilt
SCHEMA_VERSION = "3"

#: the SQLite index of a workspace, relative to it
INDEX_FILE = Path(".experimaestro") / "index.sqlite"

#: what was read of a run folder: (size of jobs.jsonl read, its mtime_ns, signature of
#: its jobs/ links) — the run is read again when one of them changes
RunStamp = Tuple[int, int, str]

_KEY = ("workspace", "type_id", "identifier")
#: asked for the details of more jobs than this, a store reads the whole table (below,
#: lookups by key are faster: `results` showing 9,489 of 100,000 jobs takes 0.8 s rather
#: than 0.95 s)
_SCAN_ABOVE = 40000
_REF_COLUMNS = ("experiment", "run", "type_id", "identifier", "tags")


class Store(abc.ABC):
    """The tables of an index, whatever the database: ``jobs`` (one row per job folder,
    see jobrow.COLUMNS), ``runs`` (what was read of each run folder) and ``refs`` (the
    jobs each run uses, with their tags). ``workspace`` tells workspaces apart in a
    shared database."""

    #: the placeholder of the driver's parameter style
    placeholder = "?"
    #: the errors meaning "the index cannot be written now" (busy, read-only, a server
    #: down): a reader still gets its answer from the folders, a driver runs on
    errors: Tuple[type, ...] = ()
    #: the depth of nested transaction() blocks
    _depth = 0

    def __init__(self, workspace_id: str = ""):
        self.workspace_id = workspace_id

    # -- what a backend provides -------------------------------------------------------

    @abc.abstractmethod
    def execute(self, sql: str, params: tuple = ()):
        """Run SQL (in the ? parameter style, see _sql)."""

    @abc.abstractmethod
    def executemany(self, sql: str, rows: Iterable[tuple]):
        """Run SQL (in the ? parameter style, see _sql)."""

    @abc.abstractmethod
    def query(self, sql: str, params: tuple = ()) -> List[tuple]:
        """Run SQL (in the ? parameter style, see _sql)."""

    @abc.abstractmethod
    def transaction(self):
        """A context manager: one write transaction."""

    @abc.abstractmethod
    def reading(self):
        """A context manager: the queries in it see one state of the database (another
        process's rebuild whole, or not at all); no writes in it."""

    def close(self):
        pass

    # -- the SQL both share ---------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    def _marks(self, n: int) -> str:
        return ", ".join([self.placeholder] * n)

    def jobs(self, where: Optional[str] = None, params: tuple = ()) -> List[tuple]:
        """The job rows of the workspace (COLUMNS, then LABELS), by type id: all, or
        those matching the SQL condition ``where`` (? placeholders, ``params``)."""
        condition = f" AND ({where})" if where else ""
        return self.query(self._sql(f"SELECT {', '.join(COLUMNS + LABELS)} FROM jobs"
                                    f" WHERE workspace = ?{condition} ORDER BY type_id"),
                          (self.workspace_id, *params))

    def set_labels(self, labels: Iterable[Tuple[str, str, str, str]]):
        """Set (tags, experiments, type id, identifier): JSON texts, from the runs."""
        self.executemany(self._sql("UPDATE jobs SET tags = ?, experiments = ? WHERE"
                                   " workspace = ? AND type_id = ? AND identifier = ?"),
                         [(tags, xps, self.workspace_id, t, i) for tags, xps, t, i in labels])

    def folders(self) -> Dict[str, int]:
        """The modification time of each type folder (jobs/<type id>) when last listed."""
        rows = self.query(self._sql("SELECT name, mtime_ns FROM folders WHERE workspace = ?"),
                          (self.workspace_id,))
        return dict(rows)

    def put_folders(self, folders: Dict[str, int]):
        self.executemany(self._sql(
            "INSERT INTO folders (workspace, name, mtime_ns) VALUES (?, ?, ?)"
            " ON CONFLICT (workspace, name) DO UPDATE SET mtime_ns = excluded.mtime_ns"),
            [(self.workspace_id, name, mtime) for name, mtime in folders.items()])

    def drop_folders(self, names: Iterable[str]):
        self.executemany(self._sql("DELETE FROM folders WHERE workspace = ? AND name = ?"),
                         [(self.workspace_id, name) for name in names])

    def put_jobs(self, rows: Iterable[Tuple[tuple, Optional[tuple]]]):
        """Insert or update jobs: (COLUMNS, DETAILS) of each, their DETAILS None when not
        read (those stored before are then dropped: read again when needed); the LABELS
        are kept."""
        rows = list(rows)
        self._upsert("jobs", COLUMNS, [values for values, _ in rows])
        self.put_details([(values[:2], details) for values, details in rows
                          if details is not None])
        self._drop("details", [values[:2] for values, details in rows if details is None])

    def put_details(self, rows: Iterable[Tuple[Tuple[str, str], tuple]]):
        """Store (key, DETAILS) pairs."""
        self._upsert("details", COLUMNS[:2] + DETAILS,
                     [tuple(key) + tuple(details) for key, details in rows])

    def _upsert(self, table: str, columns: tuple, rows: List[tuple]):
        names = ("workspace",) + columns
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[2:])
        self.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({self._marks(len(names))})"
            f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET {updates}",
            [(self.workspace_id,) + tuple(row) for row in rows])

    def drop_jobs(self, keys: Iterable[Tuple[str, str]]):
        keys = list(keys)
        for table in ("jobs", "details"):
            self._drop(table, keys)

    def _drop(self, table: str, keys: List[Tuple[str, str]]):
        self.executemany(self._sql(f"DELETE FROM {table} WHERE workspace = ? AND"
                                   " type_id = ? AND identifier = ?"),
                         [(self.workspace_id, t, i) for t, i in keys])

    def details(self, keys: List[Tuple[str, str]]) -> Dict[Tuple[str, str], tuple]:
        """The DETAILS of these jobs (JSON), by key: one lookup by primary key each, or
        one scan of the table when many are asked."""
        columns = ", ".join(("type_id", "identifier") + DETAILS)
        if len(keys) > _SCAN_ABOVE:
            wanted = set(keys)
            rows = self.query(self._sql(f"SELECT {columns} FROM details WHERE"
                                        " workspace = ?"), (self.workspace_id,))
            return {(t, i): tuple(d) for t, i, *d in rows if (t, i) in wanted}
        sql = self._sql(f"SELECT {columns} FROM details WHERE workspace = ? AND type_id = ?"
                        " AND identifier = ?")
        found = {}
        for key in keys:
            for t, i, *details in self.query(sql, (self.workspace_id, *key)):
                found[(t, i)] = tuple(details)
        return found

    def runs(self) -> Dict[Tuple[str, str], RunStamp]:
        rows = self.query(self._sql("SELECT experiment, run, size, mtime_ns, links FROM runs"
                                    " WHERE workspace = ?"), (self.workspace_id,))
        return {(xp, run): (size, mtime, links) for xp, run, size, mtime, links in rows}

    def put_run(self, experiment: str, run: str, stamp: RunStamp,
                refs: Iterable[Tuple[str, str, str]], replace: bool):
        """Record what was read of a run: its stamp and the (type id, identifier, tags as
        JSON) of its jobs, replacing the ones read before (``replace``) or adding to
        them."""
        ws = self.workspace_id
        if replace:
            self.execute(self._sql("DELETE FROM refs WHERE workspace = ? AND experiment = ?"
                                   " AND run = ?"), (ws, experiment, run))
        self.execute(self._sql(
            "INSERT INTO runs (workspace, experiment, run, size, mtime_ns, links)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace, experiment, run) DO UPDATE"
            " SET size = excluded.size, mtime_ns = excluded.mtime_ns,"
            " links = excluded.links"), (ws, experiment, run, *stamp))
        columns = ("workspace",) + _REF_COLUMNS
        self.executemany(
            f"INSERT INTO refs ({', '.join(columns)}) VALUES ({self._marks(len(columns))})"
            " ON CONFLICT (workspace, experiment, run, type_id, identifier)"
            " DO UPDATE SET tags = excluded.tags",
            [(ws, experiment, run, t, i, tags) for t, i, tags in refs])

    def drop_runs(self, keys: Iterable[Tuple[str, str]]):
        keys = [(self.workspace_id, xp, run) for xp, run in keys]
        for table in ("runs", "refs"):
            self.executemany(self._sql(f"DELETE FROM {table} WHERE workspace = ?"
                                       " AND experiment = ? AND run = ?"), keys)

    def refs(self) -> List[tuple]:
        """(experiment, run, type id, identifier, tags as JSON) of every run (in the
        order of their keys, whatever the database)."""
        return self.query(self._sql(f"SELECT {', '.join(_REF_COLUMNS)} FROM refs"
                                    " WHERE workspace = ? ORDER BY experiment, run, type_id,"
                                    " identifier"), (self.workspace_id,))

    def run_refs(self, experiment: str, run: str) -> List[Tuple[str, str]]:
        """(type id, identifier) of the jobs of one run (in the order of their keys)."""
        return self.query(self._sql("SELECT type_id, identifier FROM refs WHERE workspace = ?"
                                    " AND experiment = ? AND run = ? ORDER BY type_id,"
                                    " identifier"),
                          (self.workspace_id, experiment, run))

    def clear(self):
        """Forget everything about this workspace (before rebuilding it), and count one
        more generation (see generation())."""
        self.execute(self._sql(
            "INSERT INTO generations (workspace, generation) VALUES (?, 1)"
            " ON CONFLICT (workspace) DO UPDATE SET generation = generations.generation + 1"),
            (self.workspace_id,))
        for table in TABLES:
            self.execute(self._sql(f"DELETE FROM {table} WHERE workspace = ?"),
                         (self.workspace_id,))

    def generation(self) -> int:
        """How many times this workspace's rows were cleared: a reader that read the
        index before a clear (a rebuild by another process) and writes after it would
        write a part of what it read as if it were the whole — it checks the generation
        in its write transaction and then writes nothing (writers of a workspace are
        serialised: see transaction())."""
        rows = self.query(self._sql("SELECT generation FROM generations WHERE workspace = ?"),
                          (self.workspace_id,))
        return rows[0][0] if rows else 0


#: the tables holding a workspace's rows (cleared by a rebuild)
TABLES = ("jobs", "details", "folders", "runs", "refs")
#: every table, with those holding the schema's version and the generations
ALL_TABLES = (*TABLES, "generations", "meta")


def _tables(text_type: str, int_type: str, real_type: str) -> List[str]:
    """The tables, in the column types of a database."""
    job_columns = {"tags": text_type, "experiments": text_type, "type_id": text_type, "identifier": text_type, "mtime_ns": int_type,
                   "state": text_type, "reason": text_type, "message": text_type,
                   "pid": text_type, "submitted": real_type, "started": real_type,
                   "ended": real_type}
    jobs = ", ".join(f"{c} {job_columns[c]}" for c in COLUMNS + LABELS)
    return [
        f"CREATE TABLE IF NOT EXISTS meta (key {text_type} PRIMARY KEY, value {text_type})",
        f"CREATE TABLE IF NOT EXISTS jobs (workspace {text_type} NOT NULL, {jobs},"
        " PRIMARY KEY (workspace, type_id, identifier))",
        f"CREATE TABLE IF NOT EXISTS details (workspace {text_type} NOT NULL,"
        f" type_id {text_type}, identifier {text_type}, task {text_type},"
        f" params {text_type}, metrics {text_type},"
        " PRIMARY KEY (workspace, type_id, identifier))",
        f"CREATE TABLE IF NOT EXISTS folders (workspace {text_type} NOT NULL,"
        f" name {text_type}, mtime_ns {int_type}, PRIMARY KEY (workspace, name))",
        f"CREATE TABLE IF NOT EXISTS runs (workspace {text_type} NOT NULL,"
        f" experiment {text_type}, run {text_type}, size {int_type}, mtime_ns {int_type},"
        f" links {text_type}, PRIMARY KEY (workspace, experiment, run))",
        f"CREATE TABLE IF NOT EXISTS refs (workspace {text_type} NOT NULL,"
        f" experiment {text_type}, run {text_type}, type_id {text_type},"
        f" identifier {text_type}, tags {text_type},"
        " PRIMARY KEY (workspace, experiment, run, type_id, identifier))",
        f"CREATE TABLE IF NOT EXISTS generations (workspace {text_type} PRIMARY KEY,"
        f" generation {int_type} NOT NULL)",
    ]


SQLITE_TABLES = _tables("TEXT", "INTEGER", "REAL")


class SQLiteStore(Store):
    """The index in an SQLite file (WAL: readers never wait for a writer; writers wait
    for each other, up to ``timeout`` seconds). ``path=None``: in memory, for a
    workspace where the file cannot be written (read-only, another user's)."""

    #: busy past the time-out, a read-only file
    errors = (sqlite3.OperationalError,)

    def __init__(self, path: Optional[Path], timeout: float = 30.0):
        super().__init__("")
        self.path = path
        self._depth = 0
        self.db = self._open(path, timeout)

    def _open(self, path: Optional[Path], timeout: float) -> sqlite3.Connection:
        if path is None:
            db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            self._create(db)
            return db
        try:
            return self._open_file(path, timeout)
        except sqlite3.DatabaseError as exc:
            if not path.exists() or isinstance(exc, sqlite3.OperationalError) \
                    and "locked" in str(exc):
                raise
            # Damaged (not a database, malformed): keep it aside, start a new one
            aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d%H%M%S')}")
            os.replace(path, aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            logger.warning("The workspace index %s could not be read (%s): moved to %s;"
                           " it is rebuilt from the job folders", path, exc, aside.name)
            return self._open_file(path, timeout)

    def _open_file(self, path: Path, timeout: float) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # The index was deleted (by hand): its write-ahead log, if left, belongs to
            # the deleted file and would make the new one look damaged
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        db = sqlite3.connect(str(path), timeout=timeout, isolation_level=None,
                             check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # Read pages through a memory map: fewer system calls when a listing reads
            # every row (~20% less time at 100,000 jobs)
            db.execute("PRAGMA mmap_size=268435456")
            self._create(db)
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _version(db: sqlite3.Connection) -> Optional[str]:
        try:
            rows = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchall()
        except sqlite3.OperationalError:
            return None  # a new file: no table yet
        return rows[0][0] if rows else None

    def _create(self, db: sqlite3.Connection):
        version = self._version(db)
        if version == SCHEMA_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            if version is None and self._version(db) == SCHEMA_VERSION:
                # another process created the tables meanwhile (two drivers starting on
                # a new workspace): keep them, and what it already wrote
                db.execute("COMMIT")
                return
            for table in ALL_TABLES:
                db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in SQLITE_TABLES:
                db.execute(statement)
            db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)",
                       (SCHEMA_VERSION,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def execute(self, sql: str, params: tuple = ()):
        self.db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[tuple]):
        self.db.executemany(sql, rows)

    def query(self, sql: str, params: tuple = ()) -> List[tuple]:
        return self.db.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def transaction(self):
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.db.execute("ROLLBACK")
            raise
        self._depth = 0
        self.db.execute("COMMIT")

    @contextlib.contextmanager
    def reading(self):
        if self._depth:
            yield
            return
        self.db.execute("BEGIN")  # (deferred: its first query takes a snapshot, in WAL)
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
            self.db.execute("COMMIT")

    def close(self):
        self.db.close()
