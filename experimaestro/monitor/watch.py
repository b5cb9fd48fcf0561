"""Keeping a MonitorModel up to date from file events, not rescans.

Watched (each folder alone, not recursively): ``jobs/``, each type folder (a job folder
added or removed), the folder of each job that has not ended and its ``.experimaestro/``
(markers, ``.pid``, progress), ``experiments/``, each experiment's folder and each run
folder (a run started, jobs added to a run: its ``jobs.jsonl``). Events are gathered for ``DELAY`` seconds, then the jobs they name are read
again; a change of the runs reads the index again (MonitorModel.refresh_all_soon: not
more often than twice its cost).
Ended jobs are not watched: at 100,000 done jobs the monitor holds a few watches and, when
nothing happens, does nothing.

Beyond ``MAX_JOB_WATCHES`` jobs not ended (the system's inotify limit is shared), and
with ``XPM_WATCHER=polling`` (network file systems, where no event arrives), the jobs
without a watch are read again every ``poll`` seconds. Every ``LIVENESS`` seconds the
running jobs are read again: a process that dies without a marker makes no event.
"""

import logging
import threading
import time
from pathlib import Path
from typing import Dict, Optional, Set

from watchdog.events import FileSystemEventHandler

from experimaestro.launchers.follow import _make_observer, poll_bounds

from .model import Key, MonitorModel

__all__ = ["ModelWatcher"]

logger = logging.getLogger("xpm.monitor")

#: seconds during which events are gathered before reading what they name
DELAY = 0.15
#: at most this many job folders are watched (two watches each)
MAX_JOB_WATCHES = 20000
#: seconds between two readings of the running jobs (a process gone without a marker)
LIVENESS = 10.0


class ModelWatcher:
    """Feeds file events of a workspace to its model, in a thread of its own."""

    def __init__(self, model: MonitorModel, poll: Optional[float] = None):
        self.model = model
        self._observer = _make_observer()
        self.poll = poll if poll is not None else poll_bounds()[1]
        self._watches: Dict[Path, object] = {}
        self._job_watches: Dict[Key, list] = {}
        self._pending: Set[Key] = set()
        self._full = False
        self._jobs_changed = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="xpm-monitor-watch",
                                        daemon=True)

    @property
    def events(self) -> bool:
        """Whether file events arrive (False: polling only)."""
        return self._observer is not None

    def start(self):
        if self._observer is not None:
            self._observer.start()
            self._watch(self.model.jobspath)
            for folder in _subfolders(self.model.jobspath):
                self._watch(folder)
            self._watch_experiments()
            self._watch_jobs()
        self.model.subscribe(self._changed)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._wake.set()
        if self._observer is not None and self._observer.is_alive():
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    # -- watches -----------------------------------------------------------------

    def _watch(self, folder: Path, recursive: bool = False):
        if self._observer is None or folder in self._watches:
            return
        try:
            self._watches[folder] = self._observer.schedule(_Handler(self), str(folder),
                                                            recursive=recursive)
        except (OSError, RuntimeError) as exc:  # gone, or the system's limit reached
            logger.debug("cannot watch %s: %s", folder, exc)

    def _watch_experiments(self):
        """``experiments/``, each experiment's folder and its runs' folders, each alone
        (not recursively: a run's ``jobs/`` holds a link per job, 100,000 of them in a
        large run; its ``jobs.jsonl`` says the same)."""
        self._watch(self.model.experimentspath)
        for xp in _subfolders(self.model.experimentspath):
            self._watch(xp)
            for run in _subfolders(xp):
                self._watch(run)

    def _unwatch(self, folder: Path):
        watch = self._watches.pop(folder, None)
        if watch is not None:
            try:
                self._observer.unschedule(watch)
            except (KeyError, OSError, RuntimeError):
                pass

    def _watch_jobs(self):
        """Watch the jobs not ended (up to MAX_JOB_WATCHES), unwatch the ended ones."""
        if self._observer is None:
            return
        unended = set(self.model.unended())
        for key in [k for k in self._job_watches if k not in unended]:
            for folder in self._job_watches.pop(key):
                self._unwatch(folder)
        for key in unended:
            if key in self._job_watches or len(self._job_watches) >= MAX_JOB_WATCHES:
                continue
            folder = self.model.jobspath / key[0] / key[1]
            folders = [folder, folder / ".experimaestro"]
            for f in folders:
                if f.is_dir():
                    self._watch(f)
            self._job_watches[key] = folders

    def _unwatched(self) -> Set[Key]:
        return set(self.model.unended()) - set(self._job_watches)

    # -- events ------------------------------------------------------------------

    def event(self, path: str, is_directory: bool):
        """A file event (from the observer's thread): note what it names."""
        parts = Path(path).parts
        jobs, xps = self.model.jobspath.parts, self.model.experimentspath.parts
        with self._lock:
            if parts[:len(xps)] == xps:
                if is_directory and len(parts) - len(xps) in (1, 2):
                    # a new experiment (and the runs it may have by now), or a new run
                    self._watch(Path(path))
                    if len(parts) - len(xps) == 1:
                        for run in _subfolders(Path(path)):
                            self._watch(run)
                self._full = True
            elif parts[:len(jobs)] == jobs:
                rest = parts[len(jobs):]
                if len(rest) == 1 and is_directory:  # a new type folder
                    self._watch(Path(path))
                    self._full = True
                elif len(rest) >= 2:
                    self._pending.add((rest[0], rest[1]))
            else:
                return
        self._wake.set()

    def _changed(self, keys):
        """The model changed: jobs that ended need no watch, new ones do (called in
        the thread that changed it)."""
        if self._observer is not None and (keys is None or keys):
            self._jobs_changed = True
            self._wake.set()

    def _run(self):
        last_poll = last_live = time.monotonic()
        full_at = None  # when to read the index again (a change of the runs waits)
        while not self._stop.is_set():
            timeout = self.poll if (not self.events or self._unwatched()) else LIVENESS
            if full_at is not None:
                timeout = max(0.0, min(timeout, full_at - time.monotonic()))
            self._wake.wait(timeout)
            if self._stop.is_set():
                break
            if self._wake.is_set():
                time.sleep(DELAY)  # gather the events of one change
            self._wake.clear()
            with self._lock:
                pending, self._pending = self._pending, set()
                full, self._full = self._full, False
            try:
                now = time.monotonic()
                if full or (full_at is not None and now >= full_at):
                    wait = self.model.refresh_all_soon()
                    full_at = now + wait if wait else None
                if now - last_poll >= self.poll:
                    pending |= self._unwatched()
                    last_poll = now
                if now - last_live >= LIVENESS:
                    pending |= {k for k in self.model.unended()
                                if (row := self.model.job(k)) is not None
                                and row.state in ("running", "queued")}
                    last_live = now
                if pending:
                    self.model.refresh_jobs(pending)
                if self._jobs_changed:
                    self._jobs_changed = False
                    self._watch_jobs()
            except Exception:  # keep watching: the next event may read it
                logger.exception("monitor: reading a change failed")


#: events that change nothing: opening and closing (the monitor itself opens the
#: experiments' lock files to test them, for writing: their closing would read as a change)
_NOT_CHANGES = frozenset(("opened", "closed", "closed_no_write"))


def _is_lock(path: str) -> bool:
    """Lock files (an experiment's ``lock``, a job's ``<name>.lock``): taking or testing
    them is no change of state (a job's start writes its ``.pid``)."""
    name = path.rpartition("/")[2]
    return name == "lock" or name.endswith(".lock")


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: ModelWatcher):
        self.watcher = watcher

    def on_any_event(self, event):
        if event.event_type in _NOT_CHANGES or _is_lock(event.src_path):
            return
        if event.is_directory and event.event_type == "modified":
            return  # (a file closed in it, its times: what changed has its own event)
        self.watcher.event(event.src_path, event.is_directory)
        dest = getattr(event, "dest_path", None)
        if dest:
            self.watcher.event(dest, event.is_directory)


def _subfolders(path: Path):
    try:
        return [p for p in path.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return []
