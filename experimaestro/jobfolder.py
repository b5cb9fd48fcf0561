"""The protocol of a job folder: its files, its state, its lock, how a failure is recorded.

One owner for these facts, used by the job process (``run.py``), the scheduler, the
launchers and the command line; nothing else writes markers or takes the job lock.
Standard library only: job processes import it.

``WORKSPACE/jobs/<type id>/<identifier>/`` holds, for a task whose type id ends with
``NAME`` (the last dotted part):

- ``params.json``: the task and its configurations;
- ``NAME.out`` / ``NAME.err``: standard output and error;
- ``NAME.lock``: held (``flock``) by whoever runs the job, or decides to;
- ``NAME.pid``: JSON ``{"type": "local" | "slurm", ...}`` while the job runs;
- ``NAME.done``: empty, written when the task succeeded;
- ``NAME.failed``: JSON ``{"code", "reason", "message"}`` (2.x wrote a bare exit code);
- ``.experimaestro/progress.json``: the task's latest progress, per level;
- ``.experimaestro/started``: when the job process last started the task (seconds since
  the epoch, as text);
- ``.experimaestro/metrics.jsonl``: what the task recorded (metrics, artifacts), one JSON
  object per line, appended (a line cut by a kill mid-write is skipped when read).

The state: ``.done`` wins, then ``.failed``, then ``.pid`` (it may run); otherwise the
job has to run. Markers are written atomically (a temporary name, then a rename).
"""

import enum
import fcntl
import json
import os
import time
from pathlib import Path
from typing import NamedTuple, Optional

__all__ = [
    "DiskState", "FailureReason", "JobFolder", "JobLock", "marker_name", "read_records",
    "read_started", "read_state", "write_atomic",
]


class FailureReason(str, enum.Enum):
    """Why a job failed (the ``reason`` of its ``.failed`` marker)."""

    FAILED = "failed"  # the task raised an exception, or its process exited with an error
    TIMEOUT = "timeout"  # the time limit was reached
    CANCELLED = "cancelled"  # killed on purpose (signal, scancel), or stopped before starting
    DEPENDENCY = "dependency"  # not run: a job it depends on failed
    KILLED = "killed"  # the process died from a signal nobody sent on purpose
    MEMORY = "memory"  # out of memory
    NODE_FAIL = "node_fail"  # the cluster node failed
    LOST = "lost"  # the process is gone without writing a marker

    def __str__(self):
        return self.value


#: the message of a job whose process is gone without a marker (FailureReason.LOST)
LOST_MESSAGE = "the job process is gone and left no .done or .failed"


class DiskState(NamedTuple):
    state: str  # "done", "failed", "running" (a pid file exists), "none"
    reason: Optional[str] = None
    message: Optional[str] = None
    pid: Optional[dict] = None


def marker_name(type_id: str) -> str:
    """Base name of the marker files: the last dotted part of the type id."""
    return type_id.rsplit(".", 1)[-1]


def write_atomic(path, content: str = ""):
    """Write a file under a temporary name, then rename it (readers never see half)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        f.write(content)
    os.replace(tmp, path)


class JobLock:
    """The job lock, held until ``release()`` (or the end of a ``with`` block)."""

    def __init__(self, file):
        self._file = file

    def release(self):
        if self._file is not None:
            self._file.close()  # closing the file releases the flock
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


class JobFolder:
    """The files of one job folder, and the operations of the protocol on them."""

    __slots__ = ("path", "name")

    def __init__(self, path, name: str):
        self.path = Path(path)
        self.name = name

    @staticmethod
    def of(path) -> "JobFolder":
        """The job folder at ``path`` (its parent folder is named after the type id)."""
        path = Path(path)
        return JobFolder(path, marker_name(path.parent.name))

    def file(self, ext: str) -> Path:
        return self.path / f"{self.name}.{ext}"

    @property
    def done(self) -> Path:
        return self.file("done")

    @property
    def failed(self) -> Path:
        return self.file("failed")

    @property
    def pid(self) -> Path:
        return self.file("pid")

    @property
    def lock_file(self) -> Path:
        return self.file("lock")

    @property
    def stdout(self) -> Path:
        return self.file("out")

    @property
    def stderr(self) -> Path:
        return self.file("err")

    @property
    def params(self) -> Path:
        return self.path / "params.json"

    @property
    def progress(self) -> Path:
        """The task's latest progress per level (written by progress.py, atomically)."""
        return self.path / ".experimaestro" / "progress.json"

    @property
    def started(self) -> Path:
        return self.path / ".experimaestro" / "started"

    def write_started(self):
        """Record that the task starts now (read back by ``started_time``)."""
        try:
            write_atomic(self.started, repr(time.time()))
        except FileNotFoundError:
            self.started.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.started, repr(time.time()))

    def started_time(self) -> Optional[float]:
        """When the task last started, None if unknown (not started, or run by 2.x)."""
        return read_started(str(self.path))

    @property
    def metrics(self) -> Path:
        return self.path / ".experimaestro" / "metrics.jsonl"

    def append_record(self, record: dict):
        """Append one line to metrics.jsonl: one write of a whole line with O_APPEND, so
        that concurrent writers (the task's threads or processes) do not interleave."""
        line = (json.dumps(record, allow_nan=False) + "\n").encode()
        path = self.metrics
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND
        try:
            fd = os.open(path, flags, 0o644)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, flags, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # after a line cut by a kill: start a new one
            os.write(fd, line)
        finally:
            os.close(fd)

    def rotate_metrics(self):
        """Keep the records of an earlier attempt aside (``metrics.<stamp>.jsonl``), so
        that a new attempt starts a new series."""
        if self.metrics.exists():
            stamp = time.strftime("%Y%m%d%H%M%S")
            target, n = self.metrics.with_name(f"metrics.{stamp}.jsonl"), 0
            while target.exists():
                n += 1
                target = self.metrics.with_name(f"metrics.{stamp}-{n}.jsonl")
            self.metrics.rename(target)

    def records(self) -> list:
        """The records of metrics.jsonl, in order; a line that is not whole (the task was
        killed while writing it) or not JSON is left out."""
        return read_records(str(self.path))

    # -- state -------------------------------------------------------------------------

    def state(self) -> DiskState:
        return read_state(self.path, self.name)

    # -- markers ---------------------------------------------------------------------------

    def write_done(self):
        write_atomic(self.done, "")

    def write_failure(self, reason: FailureReason, message: Optional[str] = None,
                      code: Optional[int] = 1):
        """Record a failure (``code``: the exit code, None for a job that did not run)."""
        write_atomic(self.failed, json.dumps(
            {"code": code, "reason": str(FailureReason(reason)), "message": message}))

    def clear_failure(self):
        self.failed.unlink(missing_ok=True)

    def write_pid(self, record: dict):
        write_atomic(self.pid, json.dumps(record))

    def clear_pid(self):
        self.pid.unlink(missing_ok=True)

    # -- the job lock ------------------------------------------------------------------

    def try_lock(self) -> Optional[JobLock]:
        """The job lock, or None when another process holds it."""
        self.path.mkdir(parents=True, exist_ok=True)
        f = open(self.lock_file, "a")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            return None
        return JobLock(f)

    def lock(self) -> JobLock:
        """The job lock, waiting for the process that holds it."""
        self.path.mkdir(parents=True, exist_ok=True)
        f = open(self.lock_file, "a")
        fcntl.flock(f, fcntl.LOCK_EX)
        return JobLock(f)

    def lock_free(self) -> bool:
        """True when no process holds the job lock (checked without keeping it)."""
        try:
            fd = os.open(str(self.lock_file), os.O_RDONLY)
        except OSError:
            return True  # no lock file: nobody ever took it
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return True
        finally:
            os.close(fd)
        return True

    def __repr__(self):
        return f"JobFolder({self.path})"


def read_records(jobpath: str) -> list:
    """The records of a job folder's metrics.jsonl (see JobFolder.records)."""
    try:
        with open(os.path.join(jobpath, ".experimaestro", "metrics.jsonl"), "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    out = []
    for line in data.split(b"\n")[:-1]:  # (the last piece has no newline: partial)
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            out.append(record)
    return out


def read_started(jobpath: str) -> Optional[float]:
    """When the task of a job folder last started (see JobFolder.write_started)."""
    try:
        with open(os.path.join(jobpath, ".experimaestro", "started")) as f:
            return float(f.read())
    except (OSError, ValueError):
        return None


def read_state(jobpath, name: str) -> DiskState:
    """The state of a job from its markers (a few stat calls)."""
    base = os.path.join(jobpath, name)
    if os.path.exists(base + ".done"):
        return DiskState("done")
    failed = base + ".failed"
    if os.path.exists(failed):
        return _read_failed(failed)
    pidfile = base + ".pid"
    if os.path.exists(pidfile):
        try:
            with open(pidfile) as f:
                pid = json.load(f)
        except (OSError, ValueError):
            pid = None
        return DiskState("running", pid=pid)
    return DiskState("none")


def _read_failed(path: str) -> DiskState:
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return DiskState("failed", "failed")
    if not text:
        return DiskState("failed", "failed")
    try:
        data = json.loads(text)
    except ValueError:
        return DiskState("failed", "failed", text)
    if isinstance(data, int):
        # experimaestro 2.x: a bare exit code, 0 meaning success
        return DiskState("done") if data == 0 else DiskState("failed", "failed", f"code {data}")
    if isinstance(data, dict):
        return DiskState("failed", str(data.get("reason", "failed")), data.get("message"))
    return DiskState("failed", "failed", text)
