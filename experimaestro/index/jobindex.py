"""The jobs of a workspace, from its index kept in step with the job folders.

Each reading brings the index up to date, cheaply: a type folder (``jobs/<type id>``)
whose modification time changed is listed again (job folders added or removed); a job
that has not ended is read again when its folder changed (a marker came or went), and a
running one always (its metrics grow); a job that ended is taken from the index, which
the drivers update when they run a job again. Run folders are read when they change
(``jobs.jsonl`` from where the last reading stopped). ``rebuild()`` (``experimaestro
workspace reindex``) reads everything again: the folders stay the truth, and deleting the
index loses nothing.
"""

import itertools
import json
import logging
import os
import sqlite3
import time
from operator import itemgetter
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from .jobrow import COLUMNS, JobRow, read_details, read_job
from .store import INDEX_FILE, RunStamp, SQLiteStore, Store

__all__ = ["JobIndex", "open_store", "run_key"]

logger = logging.getLogger("xpm.index")

Key = Tuple[str, str]

#: a folder changed less than this long before it was read may change again within the
#: same tick of the file system's clock: it is read again next time
_RECENT_NS = 2_000_000_000

#: where the labels (tags, experiments) start in a stored row (None: not labelled yet)
_LABELS = len(COLUMNS)

#: how many times a reading starts again when another process cleared the index (a
#: rebuild) while it was read
_ATTEMPTS = 3

#: the states read from the folder again when it changed (or, running, always)
_MAY_CHANGE = ("running", "none")


def run_key(name: str):
    """The order of run ids: 20261122_101500, then 20261122_101500.1, .2 ..."""
    base, _, n = name.partition(".")
    return (base, int(n) if n.isdigit() else -1 if not n else 0, name)


def open_store(workspace: Path) -> Store:
    """The index store of a workspace: PostgreSQL when the workspace says so
    (``.experimaestro/index.json``, see index/postgres.py), else its SQLite file; in
    memory when the file cannot be written (a read-only workspace)."""
    from .config import store_for  # (the PostgreSQL backend: psycopg, only when used)

    store = store_for(workspace)
    if store is not None:
        return store
    try:
        return SQLiteStore(workspace / INDEX_FILE)
    except (OSError, sqlite3.Error) as exc:
        logger.info("No writable index in %s (%s): reading the job folders", workspace, exc)
        return SQLiteStore(None)


class JobIndex:
    """The jobs and runs of a workspace, read through its index (``store``)."""

    def __init__(self, workspace: Path, store: Optional[Store] = None):
        self.workspace = Path(workspace).absolute()
        self.store = store if store is not None else open_store(self.workspace)
        #: read the details of the folders read (else: when asked for, see _details)
        self._full = False
        #: whether we said that the index could not be written (said once)
        self._warned = False
        #: whether a write was left out: the index was cleared since it was read
        self._cleared = False

    def close(self):
        self.store.close()

    # -- reading ----------------------------------------------------------------------

    def rows(self, prefilter: Sequence[Tuple[str, tuple]] = ()) -> Dict[Key, JobRow]:
        """Every job of the workspace, with its tags and experiments, after bringing the
        index up to date (see the module's documentation).

        ``prefilter``: SQL conditions (with their parameters) that every job the caller
        wants meets, whatever else it then tests: the ended jobs of unchanged type
        folders that fail one are not read from the index (a listing of a few jobs among
        100,000 does not build 100,000 rows); the others are all there."""
        for _ in range(_ATTEMPTS):
            self._cleared = False
            type_folders = list(_type_folders(self.workspace / "jobs"))
            # (one state of the index: a rebuild by another process is seen whole or not)
            with self.store.reading():
                generation = self.store.generation()
                known_folders = self.store.folders()
                stored = self.store.jobs(*_narrowing(prefilter, type_folders, known_folders))
                runs = self.store.runs()
            rows, new = self._fresh_jobs(generation, stored, known_folders, type_folders)
            labelled = self._refresh_runs(generation, runs, rows)
            if new - labelled:
                self._label(new - labelled, rows)
            if not self._cleared:
                break
            # Another process cleared the index meanwhile (a rebuild): what was read of
            # it (the labels) may be missing; read it again, whole or empty
        return rows

    def refs(self) -> List[tuple]:
        """(experiment, run, type id, identifier, tags) of the jobs of each run folder, in
        the order of runs (oldest first)."""
        self.rows()
        ranked = sorted(self.store.refs(), key=lambda r: (r[0], run_key(r[1])))
        return [(xp, run, t, i, json.loads(tags) if tags else {})
                for xp, run, t, i, tags in ranked]

    def run_jobs(self, experiment: str, run: str) -> List[Key]:
        """(type id, identifier) of the jobs of one run folder."""
        with self.store.reading():
            generation, runs = self.store.generation(), self.store.runs()
        self._refresh_runs(generation, runs)
        return [tuple(key) for key in self.store.run_refs(experiment, run)]

    def rebuild(self) -> int:
        """Forget the index and read every folder again, parameters and metrics included
        (a listing reads these only when asked for); the number of jobs."""
        with self.store.transaction():
            self.store.clear()
        self._full = True
        try:
            return len(self.rows())
        finally:
            self._full = False

    def update(self, keys: Iterable[Key]):
        """Read these job folders now (a driver, after their state changed): the
        details of the jobs that ended (their metrics are final), the markers of the
        others. When the index cannot be written, a warning (once), never an error."""
        now = time.time_ns()
        rows = []
        for type_id, identifier in keys:
            path = self.workspace / "jobs" / type_id / identifier
            try:
                mtime = os.stat(path).st_mtime_ns
            except OSError:
                continue
            row = self._read(type_id, identifier, mtime, now)
            if row.state in ("done", "failed"):
                row.set_details(*read_details(str(path)))
            rows.append(row)
        if rows:
            self._write(lambda: self.store.put_jobs(
                (row.values(), row.details() if row.has_details else None) for row in rows))

    # -- jobs ---------------------------------------------------------------------------

    def _fresh_jobs(self, generation: int, stored_rows: List[tuple],
                    known_folders: Dict[str, int], type_folders: List[Tuple[str, int]]
                    ) -> Tuple[Dict[Key, JobRow], Set[Key]]:
        """The rows of every job folder, and the keys of those not labelled yet (read for
        the first time, or written by a driver).

        A type folder (jobs/<type id>) is listed again only when its modification time
        changed (a job folder was added or removed); a job that may run, or has not run,
        is read again when its folder changed (a marker came or went) — running ones
        always (their metrics grow); ended jobs are taken from the index."""
        # (the rows come by type id: grouped without a Python loop)
        stored = {t: list(g) for t, g in itertools.groupby(stored_rows, itemgetter(0))}
        now = time.time_ns()
        rows: Dict[Key, JobRow] = {}
        changed: List[JobRow] = []
        new: Set[Key] = set()
        gone: List[Key] = []
        folders: Dict[str, int] = {}
        workspace, loader = self.workspace, self._details
        known_folders = dict(known_folders)  # (what is left of it is gone)
        for type_id, type_mtime in type_folders:
            known_rows = stored.pop(type_id, [])
            if known_folders.pop(type_id, None) == type_mtime:
                # The same job folders: the rows as they are (the common case, inlined:
                # 100,000 of them take ~0.1 s), but those that may change
                others = []
                for values in known_rows:
                    if values[3] in _MAY_CHANGE or values[_LABELS] is None:
                        others.append(values)
                    else:
                        rows[(type_id, values[1])] = JobRow(workspace, values, loader)
                known = {values[1]: values for values in others}
                present = list(known)
            else:
                known = {values[1]: values for values in known_rows}
                present = list(_job_folders(self.workspace / "jobs" / type_id))
                folders[type_id] = 0 if now - type_mtime < _RECENT_NS else type_mtime
                names = set(present)
                gone.extend((type_id, i) for i in known if i not in names)
            for identifier in present:
                values = known.get(identifier)
                if values is not None and values[3] not in _MAY_CHANGE \
                        and values[_LABELS] is not None:
                    rows[(type_id, identifier)] = JobRow(workspace, values, loader)
                    continue
                row, read = self._fresh_row(type_id, identifier, values, now)
                rows[(type_id, identifier)] = row
                if values is None or values[_LABELS] is None:
                    # read for the first time, or put in the index by a driver (which
                    # does not read the runs): its tags and experiments come from the runs
                    new.add(row.key)
                if read:
                    changed.append(row)
        for type_id, known_rows in stored.items():  # type folders gone
            gone.extend((type_id, values[1]) for values in known_rows)
        if changed or gone or folders or known_folders:
            self._write(lambda: (self.store.put_jobs(
                (row.values(), row.details() if row.has_details else None) for row in changed),
                                 self.store.drop_jobs(gone), self.store.put_folders(folders),
                                 self.store.drop_folders(known_folders)), generation)
        return rows, new

    def _fresh_row(self, type_id: str, identifier: str, values: Optional[tuple],
                   now: int) -> Tuple[JobRow, bool]:
        """The row of a job that has not ended (or is new), and whether it was read from
        its folder."""
        try:
            mtime = os.stat(self.workspace / "jobs" / type_id / identifier).st_mtime_ns
        except OSError:
            mtime = 0
        if values is not None and values[3] != "running" and values[2] == mtime:
            return self._stored_row(values), False
        row = self._read(type_id, identifier, mtime, now)
        if values is not None:
            row.tags, row.experiments = values[len(COLUMNS):]
        return row, True

    def _stored_row(self, values: tuple) -> JobRow:
        return JobRow(self.workspace, values, self._details)

    def _details(self, row: JobRow) -> tuple:
        """The details of a row, when first used (JobRow calls it)."""
        return self._details_of([row])[row.key]

    def load_details(self, rows: Iterable[JobRow]):
        """Read the task, parameters and metrics of many rows at once (rather than once
        per row when first used)."""
        rows = [row for row in rows if not row.has_details]
        found = self._details_of(rows)
        for row in rows:
            row.set_details(*found[row.key])

    def _details_of(self, rows: List[JobRow]) -> Dict[Key, tuple]:
        """The details of these rows: from the index (one query, not one per row), from
        the folders for those it does not hold (then kept in the index)."""
        found = self.store.details([row.key for row in rows])
        missing = []
        for row in rows:
            if row.key not in found:
                task, params, metrics = read_details(str(row.path))
                found[row.key] = details = (task, json.dumps(params), json.dumps(metrics))
                missing.append((row.key, details))
        if missing:
            self._write(lambda: self.store.put_details(missing))
        return found

    def _read(self, type_id: str, identifier: str, mtime: int, now: int) -> JobRow:
        row = read_job(self.workspace, type_id, identifier, mtime,
                       details=True if self._full else self._details)
        if now - mtime < _RECENT_NS:
            row.mtime_ns = 0  # may change again within the clock's tick: read next time
        return row

    def _write(self, write, generation: Optional[int] = None):
        """Run the writes of a refresh in one transaction — none when the index was
        cleared since it was read (``generation``, see Store.generation: what was read
        is then only a part of the index). When the index cannot be written (busy past
        its time-out, read-only, its server down: ``store.errors``), the answer is right
        anyway (it comes from the folders) and a driver runs on: a warning, once."""
        try:
            with self.store.transaction():
                if generation is None or self.store.generation() == generation:
                    write()
                else:
                    self._cleared = True
        except self.store.errors as exc:
            if self._warned:
                logger.debug("The workspace index was not updated (%s)", exc)
            else:
                self._warned = True
                logger.warning("The workspace index of %s was not updated: %s\n(the jobs"
                               " are read from their folders meanwhile)", self.workspace, exc)

    # -- runs ----------------------------------------------------------------------------

    def _label(self, keys: Set[Key], rows: Optional[Dict[Key, JobRow]]):
        """Set the tags (latest run wins) and experiments of the jobs ``keys`` from the
        runs, in the index and in the ``rows`` (when given)."""
        ranked = sorted(self.store.refs(), key=lambda r: (r[0], run_key(r[1])))
        tags: Dict[Key, str] = {}
        experiments: Dict[Key, Set[str]] = {}
        for xp, _run, type_id, identifier, tags_json in ranked:
            key = (type_id, identifier)
            if key in keys:
                experiments.setdefault(key, set()).add(xp)
                if tags_json and tags_json != "{}":
                    tags[key] = tags_json
        labels = []
        for key in keys:
            row = None if rows is None else rows.get(key)
            if rows is not None and row is None:
                continue  # (no such job folder)
            tags_json = tags.get(key, "{}")
            xps_json = json.dumps(sorted(experiments.get(key, ())))
            if row is not None:
                row.tags, row.experiments = tags_json, xps_json
            labels.append((tags_json, xps_json, *key))
        self._write(lambda: self.store.set_labels(labels))

    def _refresh_runs(self, generation: int, stored: Dict[Tuple[str, str], RunStamp],
                      rows: Optional[Dict[Key, JobRow]] = None) -> Set[Key]:
        """Bring the runs up to date from what the index holds (``stored``), and the
        labels of the jobs whose runs changed (in the index, and in ``rows`` when given);
        the keys of these jobs."""
        updates = []
        for xp, run, folder in _run_folders(self.workspace / "experiments"):
            known = stored.pop((xp, run), None)
            stamp = _run_stamp(folder)
            if known == stamp:
                continue
            updates.append((xp, run, folder, known, stamp))
        if not updates and not stored:
            return set()
        affected: Set[Key] = set()
        for xp, run in stored:  # run folders gone
            affected.update(tuple(k) for k in self.store.run_refs(xp, run))

        runs = []
        for xp, run, folder, known, stamp in updates:
            keys, record = self._read_run(xp, run, folder, known, stamp)
            affected |= keys
            runs.append(record)

        def write():
            for record in runs:
                self.store.put_run(*record)
            self.store.drop_runs(stored)

        self._write(write, generation)
        if affected:
            self._label(affected, rows)
        return affected

    def _read_run(self, xp: str, run: str, folder: Path, known: Optional[RunStamp],
                  stamp: RunStamp) -> Tuple[Set[Key], tuple]:
        """Read what changed in a run folder: the end of jobs.jsonl when it only grew,
        everything otherwise; the keys of the jobs concerned, and the arguments of
        Store.put_run to record it."""
        size, _, links = stamp
        grew = known is not None and known[2] == links and 0 < known[0] <= size
        start = known[0] if grew else 0
        refs, end = _read_jobs_file(folder / "jobs.jsonl", start)
        affected = {(t, i) for t, i, _ in refs}
        if not grew:
            affected.update(tuple(k) for k in self.store.run_refs(xp, run))
            listed = {(t, i) for t, i, _ in refs}
            links_found = _run_links(folder)
            refs += [(t, i, "{}") for t, i in links_found if (t, i) not in listed]
            affected |= links_found
        return affected, (xp, run, (end, stamp[1], links), refs, not grew)


def _narrowing(prefilter: Sequence[Tuple[str, tuple]], type_folders: List[Tuple[str, int]],
               known_folders: Dict[str, int]) -> Tuple[Optional[str], tuple]:
    """The SQL condition (and its parameters) of the rows a reading needs: all when there
    is no prefilter; else those of the type folders that changed or are gone (their
    folders are compared with the rows), those that may change or are not labelled yet,
    and the others that meet the prefilter."""
    unchanged = [t for t, mtime in type_folders if known_folders.get(t) == mtime]
    if not prefilter or not unchanged:
        return None, ()
    marks = ", ".join("?" * len(unchanged))
    conditions = " AND ".join(f"({sql})" for sql, _ in prefilter)
    states = ", ".join(f"'{state}'" for state in _MAY_CHANGE)
    where = (f"type_id NOT IN ({marks}) OR state IN ({states}) OR tags IS NULL"
             f" OR ({conditions})")
    return where, (*unchanged, *(p for _, params in prefilter for p in params))


def _type_folders(jobs: Path) -> Iterator[Tuple[str, int]]:
    """(type id, mtime_ns) of each type folder (jobs/<type id>)."""
    try:
        entries = list(os.scandir(jobs))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                yield entry.name, entry.stat(follow_symlinks=False).st_mtime_ns
        except OSError:
            continue  # removed meanwhile


def _job_folders(folder: Path) -> Iterator[str]:
    """The identifiers of the job folders of a type folder."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                yield entry.name
        except OSError:
            continue


def _run_folders(experiments: Path) -> Iterator[Tuple[str, str, Path]]:
    try:
        xps = [e for e in os.scandir(experiments) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for xp in xps:
        try:
            runs = [e for e in os.scandir(xp.path) if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for run in runs:
            yield xp.name, run.name, Path(run.path)


def _run_stamp(folder: Path) -> RunStamp:
    """(size, mtime_ns) of jobs.jsonl and the signature of the jobs/ links (the
    modification times of its type folders)."""
    try:
        st = os.stat(folder / "jobs.jsonl")
        size, mtime = st.st_size, st.st_mtime_ns
    except OSError:
        size, mtime = 0, 0
    parts = []
    try:
        for entry in os.scandir(folder / "jobs"):
            try:
                parts.append(f"{entry.name}:{entry.stat(follow_symlinks=False).st_mtime_ns}")
            except OSError:
                continue
    except OSError:
        pass
    return size, mtime, ";".join(sorted(parts))


def _read_jobs_file(path: Path, start: int) -> Tuple[List[Tuple[str, str, str]], int]:
    """(type id, identifier, tags as JSON) of the whole lines of jobs.jsonl after byte
    ``start``, and the offset after the last whole line."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read()
    except OSError:
        return [], start
    end = data.rfind(b"\n") + 1  # (a last line without its newline is being written)
    refs = []
    for line in data[:end].split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            key = (str(record["task_id"]).lower(), str(record["job_id"]))
        except (ValueError, KeyError, TypeError):
            continue  # damaged
        tags = record.get("tags")
        refs.append((key[0], key[1], json.dumps(tags) if isinstance(tags, dict) else "{}"))
    return refs, start + end


def _run_links(folder: Path) -> Set[Key]:
    found = set()
    try:
        types = list(os.scandir(folder / "jobs"))
    except OSError:
        return found
    for type_entry in types:
        try:
            found.update((type_entry.name, link.name) for link in os.scandir(type_entry.path))
        except OSError:
            continue
    return found
