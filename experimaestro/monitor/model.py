"""What the monitors show of a workspace, kept up to date: its jobs (rows of the workspace
index, their states settled with their launchers), the current run of each experiment
with its jobs counted by state, a job's details, logs and dependencies, and the two
actions (kill, clean).

The rows are read once from the workspace index (``JobIndex.rows``: at 100,000 jobs,
well under a second once the index exists); after that a change is read where it
happened: the job folder a file event names (``watch.py``), the type folder that gained
or lost a job; a change in the experiments' run folders (a run started, jobs added to
it) reads the index again, waiting between two such readings twice as long as the last
one took (at least ``FULL_REFRESH`` seconds: a workspace of 100,000 jobs is read in
about 0.7 s). Listeners are told
which jobs changed (``None``: anything may have).
"""

import json
import logging
import shutil
import threading
from collections import Counter
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from experimaestro.index.filter import FilterError, parse_filter
from experimaestro.index.jobindex import JobIndex
from experimaestro.index.jobkill import KillOutcome, kill_job
from experimaestro.index.jobrow import JobRow
from experimaestro.index.live import settle_states
from experimaestro.index.runinfo import JOB_COUNT_KEYS, RunInfo, read_run
from experimaestro.index.workspace import WorkspaceIndex, read_job_now
from experimaestro.xplock import lock_held

__all__ = ["MonitorModel", "Key", "SORTS", "QueryError", "LogRefused", "matcher"]

logger = logging.getLogger("xpm.monitor")

Key = Tuple[str, str]

#: the orders a job list can be sorted in (name -> key of a row)
SORTS: Dict[str, Callable[[JobRow], tuple]] = {
    "state": lambda r: (_STATE_ORDER.get(r.state, 9), -(r.submitted or 0)),
    "task": lambda r: (r.type_id, -(r.submitted or 0)),
    "submitted": lambda r: (-(r.submitted or 0), r.type_id),
    "duration": lambda r: (-(r.duration or 0), r.type_id),
}
_STATE_ORDER = {"running": 0, "queued": 1, "failed": 2, "pending": 3, "done": 4}

_ENDED = ("done", "failed")

#: shortest time between two readings of the whole index (seconds)
FULL_REFRESH = 0.2
#: above this many jobs, dependents and graphs are not computed (each needs params.json)
GRAPH_LIMIT = 5000


class QueryError(ValueError):
    """A search that is neither the filter language nor free text (never raised for free
    text: only an expression that starts as a filter and is wrong)."""


class LogRefused(ValueError):
    """A log asked for outside the job folders, or not a file of its job."""


class MonitorModel:
    """A workspace as the monitors show it (thread-safe; UIs read it from their thread,
    the watcher updates it from its own)."""

    def __init__(self, workdir, *, index: Optional[JobIndex] = None):
        self.path = Path(workdir).expanduser().absolute()
        self.jobspath = self.path / "jobs"
        self.experimentspath = self.path / "experiments"
        self._index = index
        self._lock = threading.RLock()
        self._rows: Dict[Key, JobRow] = {}
        #: the keys of the jobs not ended (kept with the rows: an idle monitor of
        #: 100,000 ended jobs never walks them)
        self._unended: Set[Key] = set()
        self._runs: Dict[str, RunInfo] = {}
        self._run_keys: Dict[str, List[Key]] = {}
        self._run_sets: Dict[str, Set[Key]] = {}
        self._deps: Dict[Key, List[Key]] = {}
        self._listeners: List[Callable[[Optional[Set[Key]]], None]] = []
        self._last_full = 0.0
        self._full_cost = 0.0
        #: bumped at each change (a UI can tell whether it is behind)
        self.version = 0
        #: how long the first reading took (seconds), for the record
        self.load_time: Optional[float] = None
        #: whether the workspace has been read (a UI may start before: it says so)
        self.loaded = False
        #: why the first reading failed (a UI that read it in a thread shows it)
        self.load_error: Optional[BaseException] = None

    # -- reading -----------------------------------------------------------------

    @property
    def index(self) -> JobIndex:
        if self._index is None:
            self._index = JobIndex(self.path)
        return self._index

    def load(self):
        """The first reading (the index, then the experiments)."""
        start = time.perf_counter()
        self.refresh_all()
        self.load_time = time.perf_counter() - start

    def fail_load(self, error: BaseException):
        """The first reading (in another thread) failed: listeners are told."""
        self.load_error = error
        self._notify(None)

    def refresh_all(self):
        """Read the whole index again (and the run folders)."""
        start = time.monotonic()
        rows = self.index.rows()
        settle_states(rows.values())
        runs, run_keys = self._read_runs(rows)
        unended = {k for k, r in rows.items() if r.state not in _ENDED}
        with self._lock:
            self._rows, self._unended = rows, unended
            self._runs, self._run_keys = runs, run_keys
            self._run_sets = {xp: set(keys) for xp, keys in run_keys.items()}
            self._recount()
            self._last_full = time.monotonic()
            self._full_cost = self._last_full - start
            self.loaded = True
            self.version += 1
        self._notify(None)

    def refresh_all_soon(self) -> float:
        """refresh_all(), unless the last one was too recent: 0 when it ran, else the
        seconds to wait before asking again."""
        wait = self._last_full + max(FULL_REFRESH, 2 * self._full_cost) - time.monotonic()
        if wait > 0:
            return wait
        self.refresh_all()
        return 0.0

    def refresh_jobs(self, keys: Iterable[Key]):
        """Read these job folders again (a file event named them); a folder that is gone
        is removed, a new one added."""
        changed = set()
        for key in keys:
            folder = self.jobspath / key[0] / key[1]
            if not folder.is_dir():
                with self._lock:
                    self._unended.discard(key)
                    old = self._rows.pop(key, None)
                    if old is not None:
                        changed.add(key)
                        self._count(key, old.state, "missing")
                continue
            row = read_job_now(self.path, *key)
            with self._lock:
                old = self._rows.get(key)
                if old is not None:
                    row.tags, row.experiments = old.tags, old.experiments
                    if old.has_details and not row.has_details:
                        row.set_details(*old.details())
                if old is None or old.values() != row.values():
                    changed.add(key)
                    self._count(key, "missing" if old is None else old.state, row.state)
                self._rows[key] = row
                if row.state in _ENDED:
                    self._unended.discard(key)
                else:
                    self._unended.add(key)
        if changed:
            with self._lock:
                self.version += 1
            self._notify(changed)
        return changed

    def _count(self, key: Key, before: str, after: str):
        """A job of the runs that hold it went from state ``before`` to ``after`` (under
        the lock; a change of one job costs nothing more at 100,000)."""
        if before == after:
            return
        for xp, keys in self._run_sets.items():
            if key in keys:
                counts = self._runs[xp].jobs
                counts[before] = counts.get(before, 0) - 1
                counts[after] = counts.get(after, 0) + 1

    def unended(self) -> List[Key]:
        """Jobs that may still change by themselves (not done, not failed)."""
        with self._lock:
            return list(self._unended)

    def _read_runs(self, rows: Dict[Key, JobRow]):
        runs, run_keys = {}, {}
        workspace = WorkspaceIndex(self.path)
        for xp in workspace.experiments():
            path = workspace.current_run(xp)
            if path is None:
                continue
            keys = [tuple(k) for k in self.index.run_jobs(xp, path.name)]
            run_keys[xp] = keys
            locked = lock_held(self.experimentspath / xp / "lock")
            # (its jobs are counted by _recount, with the rows)
            runs[xp] = read_run(_NO_JOBS, xp, path, True, locked)
        return runs, run_keys

    def _recount(self):
        """The job counts of each run (under the lock)."""
        rows = self._rows
        for xp, info in self._runs.items():
            counts = Counter(rows[k].state if k in rows else "missing"
                             for k in self._run_keys.get(xp, ()))
            info.jobs = {key: counts.get(key, 0) for key in JOB_COUNT_KEYS}

    # -- listeners ---------------------------------------------------------------

    def subscribe(self, listener: Callable[[Optional[Set[Key]]], None]) -> Callable[[], None]:
        """``listener(changed)`` is called (from the thread that read the change) with
        the keys of the jobs that changed, or None; returns how to unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe():
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe

    def _notify(self, changed: Optional[Set[Key]]):
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(changed)
            except Exception:  # a UI that fails must not stop the others
                logger.exception("monitor listener failed")

    # -- queries -----------------------------------------------------------------

    def experiments(self) -> List[RunInfo]:
        """The current run of each experiment (name order), jobs counted by state."""
        with self._lock:
            return [self._runs[name] for name in sorted(self._runs)]

    def experiment_running(self, name: str) -> bool:
        return lock_held(self.experimentspath / name / "lock")

    def job(self, key: Key) -> Optional[JobRow]:
        with self._lock:
            return self._rows.get(tuple(key))

    def jobs(self, experiment: Optional[str] = None) -> List[JobRow]:
        """The jobs of an experiment's current run (all jobs: None)."""
        with self._lock:
            if experiment is None:
                return list(self._rows.values())
            if experiment not in self._run_keys:
                raise KeyError(f"no experiment {experiment!r} in {self.path}")
            return [self._rows[k] for k in self._run_keys[experiment] if k in self._rows]

    def select(self, experiment: Optional[str] = None, query: str = "", sort: str = "state",
               descending: bool = False, offset: int = 0,
               limit: Optional[int] = None) -> Tuple[int, List[JobRow]]:
        """(how many match, the rows from ``offset``): the jobs of ``experiment`` that
        match ``query`` (the ``jobs --filter`` language, else words that must all appear
        in the task, identifier, state or tags), sorted (one of SORTS)."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}: one of {', '.join(SORTS)}")
        rows = self.jobs(experiment)
        test = matcher(query)
        if getattr(test, "details", False):
            self.index.load_details([r for r in rows if not r.has_details])
        rows = [r for r in rows if test(r)]
        rows.sort(key=SORTS[sort], reverse=descending)
        end = None if limit is None else offset + limit
        return len(rows), rows[offset:end]

    def details(self, key: Key) -> dict:
        """Everything the job view shows: the row, its parameters, progress, folder,
        logs, the jobs it depends on and those that depend on it."""
        row = self.job(key)
        if row is None:
            raise KeyError(f"no job {key[0]}/{key[1]} in {self.path}")
        if not row.has_details:
            self.index.load_details([row])
        info = row.to_json()
        info.update(
            key=list(key), short=row.short, state_text=row.state_text,
            progress=self.progress(row), params=row.params, metrics=row.metrics,
            logs=[p.name for p in (row.stdout, row.stderr) if p.exists()],
            dependencies=[list(k) for k in self.dependencies(key)],
        )
        dependents = self.dependents(key)
        info["dependents"] = None if dependents is None else [list(k) for k in dependents]
        return info

    def progress(self, row: JobRow) -> List[dict]:
        """The task's progress levels (``value`` in 0..1, ``desc``), outermost first; []
        when it reports none."""
        if row.state not in ("running", "done"):
            return []
        try:
            data = json.loads(row.folder.progress.read_text())
        except (OSError, ValueError):
            return []
        if not isinstance(data, dict):
            return []
        levels = sorted((int(k), v) for k, v in data.items()
                        if str(k).isdigit() and isinstance(v, dict))
        return [{"value": float(v.get("value") or 0), "desc": v.get("desc")}
                for _, v in levels]

    def dependencies(self, key: Key) -> List[Key]:
        """The jobs whose outputs this job's parameters hold (from its params.json)."""
        key = tuple(key)
        with self._lock:
            known = self._deps.get(key)
        if known is not None:
            return known
        deps = _params_dependencies(self.jobspath / key[0] / key[1] / "params.json",
                                    self._by_identifier(), key)
        with self._lock:
            self._deps[key] = deps
        return deps

    def dependents(self, key: Key) -> Optional[List[Key]]:
        """The jobs of the same experiments that depend on this one; None when those
        experiments have more than GRAPH_LIMIT jobs (each job's params.json is read)."""
        key = tuple(key)
        row = self.job(key)
        candidates: Set[Key] = set()
        with self._lock:
            for xp in (row.experiments if row is not None else ()):
                candidates.update(self._run_keys.get(xp, ()))
        if len(candidates) > GRAPH_LIMIT:
            return None
        return sorted(k for k in candidates if key in self.dependencies(k))

    def graph(self, experiment: str) -> dict:
        """Nodes (jobs of the experiment's current run) and edges (dependency ->
        dependent) of the experiment; ``{"truncated": N}`` beyond GRAPH_LIMIT jobs."""
        rows = self.jobs(experiment)
        if len(rows) > GRAPH_LIMIT:
            return {"nodes": [], "edges": [], "truncated": len(rows)}
        keys = {r.key for r in rows}
        edges = [[list(dep), list(r.key)] for r in rows for dep in self.dependencies(r.key)
                 if dep in keys]
        return {"nodes": [_node(r) for r in rows], "edges": edges, "truncated": 0}

    def _by_identifier(self) -> Dict[str, Key]:
        with self._lock:
            return {k[1]: k for k in self._rows}

    # -- logs --------------------------------------------------------------------

    def log_file(self, key: Key, name: str) -> Path:
        """The file ``name`` of a job's folder (its stdout, stderr, or another file it
        holds); LogRefused when it is not in that folder (``..``, an absolute path, a
        link out of it) or the job is unknown."""
        key = tuple(key)
        if self.job(key) is None:
            raise LogRefused(f"no job {key[0]}/{key[1]} in this workspace")
        folder = (self.jobspath / key[0] / key[1]).resolve()
        candidate = (folder / name).resolve()
        if Path(name).is_absolute() or folder not in candidate.parents:
            raise LogRefused(f"{name!r} is not a file of the job folder {folder}")
        if not candidate.is_file():
            raise LogRefused(f"{name!r}: no such file in the job folder {folder}")
        return candidate

    def read_log(self, key: Key, name: str, offset: int = 0,
                 limit: int = 1 << 20) -> Tuple[str, int, int]:
        """(text, next offset, size) of a job's log from ``offset``; at most ``limit``
        bytes (a negative offset: the last ``-offset`` bytes)."""
        path = self.log_file(key, name)
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            start = max(0, size + offset) if offset < 0 else min(offset, size)
            f.seek(start)
            data = f.read(limit)
        return data.decode("utf-8", errors="replace"), start + len(data), size

    # -- actions -----------------------------------------------------------------

    def kill(self, key: Key) -> KillOutcome:
        """Stop a running or queued job through its launcher's handle."""
        key = tuple(key)
        job = read_job_now(self.path, *key)
        outcome = kill_job(job, perform=True)
        self.refresh_jobs([key])
        return outcome

    def clean(self, key: Key) -> KillOutcome:
        """Remove the folder of a job that does not run, is not locked, and that no
        running experiment references (it would need it)."""
        key = tuple(key)
        if not (self.jobspath / key[0] / key[1]).is_dir():
            return KillOutcome("error", f"{key[0]}/{key[1]}: no such job folder")
        job = read_job_now(self.path, *key)
        known = self.job(key)
        experiments = known.experiments if known is not None else set()
        if job.state in ("running", "queued"):
            return KillOutcome("error", f"{job.short}: it is {job.state}; kill it first")
        if job.locked():
            return KillOutcome("error", f"{job.short}: a process holds its lock")
        busy = sorted(xp for xp in experiments if self.experiment_running(xp))
        if busy:
            return KillOutcome("error", f"{job.short}: experiment(s) {', '.join(busy)} running"
                                        " use it")
        shutil.rmtree(job.path, ignore_errors=True)
        self.refresh_jobs([key])
        return KillOutcome("cleaned", f"Removed {job.path}")

    # -- services ----------------------------------------------------------------

    def services(self, experiment: str) -> List[dict]:
        """The services of an experiment's current run (``services.json``, written by the
        experiment while it runs): id, description, state, url."""
        with self._lock:
            info = self._runs.get(experiment)
        if info is None:
            return []
        try:
            data = json.loads((info.path / "services.json").read_text())
        except (OSError, ValueError):
            return []
        return [s for s in data if isinstance(s, dict)] if isinstance(data, list) else []

    def close(self):
        with self._lock:
            self._listeners.clear()
        if self._index is not None:
            self._index.close()


def matcher(query: str):
    """A test of rows for a search text: the filter language when it reads as one, else
    words that must all appear (case-insensitive) in the task, identifier, state or
    tags; QueryError when the text looks like a filter (has an operator) and is wrong."""
    query = (query or "").strip()
    if not query:
        return lambda row: True
    try:
        return parse_filter(query)
    except FilterError as exc:
        if any(op in query for op in ("=", "~", "<", ">", "@", "(")):
            raise QueryError(str(exc)) from exc
    words = query.lower().split()

    def test(row: JobRow) -> bool:
        text = " ".join((row.type_id, row.identifier, row.state_text,
                         _tag_words(row))).lower()
        return all(w in text for w in words)
    return test


_UNQUOTE = str.maketrans("", "", '{}",')


def _tag_words(row: JobRow) -> str:
    """``name=value`` of each tag, for a search in words."""
    raw = row.tags_text
    if raw is not None:
        # (the stored JSON as it is: decoding the tags of 100,000 rows took 0.5 s)
        return raw.translate(_UNQUOTE).replace(": ", "=")
    return " ".join(f"{k}={v}" for k, v in row.tags.items())


class _NoJobs:
    """What read_run asks of a workspace, for the run's record alone."""

    @staticmethod
    def run_jobs(path):
        return ()


_NO_JOBS = _NoJobs()


def _node(row: JobRow) -> dict:
    return {"key": list(row.key), "name": row.name, "short": row.short, "state": row.state,
            "tags": row.tags}


def _params_dependencies(path: Path, by_identifier: Dict[str, Key], own: Key) -> List[Key]:
    """The jobs named by the objects of a params.json (each object records its
    identifier; those that are jobs of the workspace are dependencies)."""
    try:
        objects = json.loads(path.read_text()).get("objects", [])
    except (OSError, ValueError, AttributeError):
        return []
    found = []
    for obj in objects:
        key = by_identifier.get(obj.get("identifier")) if isinstance(obj, dict) else None
        if key is not None and key != own and key not in found:
            found.append(key)
    return found
