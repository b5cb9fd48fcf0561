"""Job state from the marker files of a job folder (cheap: a few stat calls).

``.done`` wins, then ``.failed`` (JSON with a reason, or a bare integer in 2.x), then a
``.pid`` file (the job may be running); otherwise the job has to run.
"""

import json
import os
from pathlib import Path
from typing import NamedTuple, Optional

__all__ = ["DiskState", "read_state", "write_atomic", "job_name"]


class DiskState(NamedTuple):
    state: str  # "done", "failed", "running" (a pid file exists), "none"
    reason: Optional[str] = None
    message: Optional[str] = None
    pid: Optional[dict] = None


def job_name(type_id: str) -> str:
    """Base name of the marker files: the last dotted part of the type id."""
    return type_id.rsplit(".", 1)[-1]


def read_state(jobpath: Path, name: str) -> DiskState:
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


def write_atomic(path: Path, content: str = ""):
    """Write a file under a temporary name, then rename it (readers never see half)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        f.write(content)
    os.replace(tmp, path)
