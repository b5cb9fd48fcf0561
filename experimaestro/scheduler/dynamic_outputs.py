"""Driver side of dynamic outputs: ``task.watch_output(method, callback)``.

A running task announces outputs with ``register_task_output`` (one JSON line each in
``<job>/.experimaestro/task-outputs.jsonl``). The experiment reads the files of the watched
jobs while it waits (``xp.wait()``, the end of the ``with`` block), rebuilds each output on
the submitted task and calls the callbacks in the experiment's own thread, so a callback
can submit tasks. A job already done when it is watched (a rerun of the experiment)
delivers every output it announced, so the same follow-up tasks are submitted again.
"""

import json
import logging
from typing import Callable, Dict, List

from experimaestro.core.outputs import DYNAMIC_OUTPUTS_FILE, check_watched, rebuild_output

logger = logging.getLogger("xpm.outputs")


class _Watcher:
    __slots__ = ("path", "method", "callback", "delivered")

    def __init__(self, path, method: str, callback: Callable):
        self.path = path
        self.method = method
        self.callback = callback
        self.delivered = 0  # records of the job already looked at


class _WatchedJob:
    """The records read so far from one job's outputs file."""

    def __init__(self, job, task):
        self.job = job
        self.task = task
        self.offset = 0
        self.records: List[dict] = []
        self.lines = set()  # a retried task may announce the same output again
        self.watchers: List[_Watcher] = []

    def read(self):
        path = self.job.path / DYNAMIC_OUTPUTS_FILE
        try:
            with open(path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1  # complete lines only
        self.offset += end
        for raw in data[:end].splitlines():
            line = raw.decode("utf-8", errors="replace").strip()
            if not line or line in self.lines:
                continue
            self.lines.add(line)
            try:
                record = json.loads(line)
                record["path"], record["method"]
            except (ValueError, KeyError, TypeError):
                logger.warning("%s: ignored a malformed line of %s: %.200s",
                               self.job.relpath, DYNAMIC_OUTPUTS_FILE, line)
                continue
            self.records.append(record)


class DynamicOutputs:
    """The watched jobs of one experiment."""

    def __init__(self):
        self._jobs: Dict[int, _WatchedJob] = {}

    def watch(self, task, method, callback: Callable):
        """Call ``callback(output)`` for each output of ``method`` that task announces."""
        path = check_watched(task, method, callback)
        job = task.__xpm__.job
        watched = self._jobs.get(id(job))
        if watched is None:
            watched = self._jobs[id(job)] = _WatchedJob(job, task)
        watched.watchers.append(_Watcher(path, method.__name__, callback))

    def pending(self) -> bool:
        """Whether a watched job may still announce outputs (it has not ended)."""
        return any(not w.job.state.finished for w in self._jobs.values())

    def poll(self) -> int:
        """Read what the watched jobs announced and call the callbacks; returns how many
        callbacks were called. A job that ended is read one last time, then dropped."""
        called = 0
        for key, watched in list(self._jobs.items()):
            finished = watched.job.state.finished  # before reading: nothing is missed
            watched.read()
            for watcher in watched.watchers:
                while watcher.delivered < len(watched.records):
                    record = watched.records[watcher.delivered]
                    watcher.delivered += 1
                    if record["path"] == watcher.path and record["method"] == watcher.method:
                        watcher.callback(_rebuild(watched, record))
                        called += 1
            if finished:
                del self._jobs[key]
        return called


def _rebuild(watched: _WatchedJob, record: dict):
    try:
        return rebuild_output(watched.task, record)
    except Exception as e:
        where = ".".join(str(p) for p in [*record["path"], record["method"]])
        raise RuntimeError(
            f"dynamic output of {watched.job.relpath}: rebuilding {where}(dep, *{record['args']!r},"
            f" **{record['kwargs']!r}) failed: {type(e).__name__}: {e}"
        ) from e
