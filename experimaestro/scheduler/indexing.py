"""The driver's side of the workspace index: the jobs whose state this driver changed
(started, ended) are read again into the index, in batches, from a background thread.

The index is a cache of the job folders: a failure to update it (the database busy past
its time-out, unreachable, read-only) is logged once and never stops an experiment."""

import logging
import threading
from pathlib import Path
from typing import Optional, Set, Tuple

from experimaestro.index.jobindex import JobIndex

logger = logging.getLogger("xpm.index")

__all__ = ["IndexUpdates"]


class IndexUpdates:
    """Collects the jobs that changed (any thread) and updates the index with them at
    most every ``interval`` seconds, and once more when stopped."""

    def __init__(self, workspace: Path, interval: float = 1.0):
        self.workspace = Path(workspace)
        self.interval = interval
        self._changed: Set[Tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._index: Optional[JobIndex] = None
        self._warned = False
        self._thread = threading.Thread(target=self._loop, name="xpm-index", daemon=True)

    def start(self):
        self._thread.start()

    def changed(self, job):
        """The job's folder changed (a marker came or went)."""
        with self._lock:
            self._changed.add((job.path.parent.name, job.path.name))
        self._wake.set()

    def stop(self):
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        self._flush()
        if self._index is not None:
            self._index.close()

    def _loop(self):
        while True:
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            self._flush()
            if self._stop.wait(self.interval):  # (at most one update per interval)
                return

    def _flush(self):
        with self._lock:
            keys, self._changed = self._changed, set()
        if not keys:
            return
        try:
            if self._index is None:
                self._index = JobIndex(self.workspace)
            self._index.update(keys)
        except Exception as exc:  # noqa: BLE001 - the index is a cache: never fail a run
            with self._lock:
                self._changed |= keys  # (tried again with the next batch)
            if not self._warned:
                self._warned = True
                logger.warning("The workspace index could not be updated (%s); the jobs"
                               " this experiment ran may show their earlier state in"
                               " `experimaestro jobs list` and `results` until"
                               " `experimaestro workspace reindex`", exc)
