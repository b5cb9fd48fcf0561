"""What a run folder (``experiments/<name>/<run id>/``) says about its run: the machine,
when it started and ended, how it ended, and the state of its jobs now.

The run's record is read from ``status.json`` (2.x's format, which both implementations
write) or else ``environment.json`` (ours: ``host``, ``started``, ``ended``, ``status``;
2.x: the same facts under ``run``). The state of the jobs comes from their folders.
"""

import datetime
import json
from pathlib import Path
from typing import Dict, List, Optional

__all__ = ["RunInfo", "read_run", "JOB_COUNT_KEYS"]

#: the counts of a run's jobs, in the order shown (``missing``: referenced by the run,
#: but its folder is gone)
JOB_COUNT_KEYS = ("done", "failed", "running", "queued", "pending", "missing")

#: how 2.x names the end of a run in environment.json
_STATUS_NAMES = {"completed": "done"}


class RunInfo:
    def __init__(self, experiment: str, path: Path, current: bool):
        self.experiment = experiment
        self.path = path
        self.run_id = path.name
        self.current = current
        self.host: Optional[str] = None
        self.started: Optional[str] = None  # ISO 8601, local time
        self.ended: Optional[str] = None
        self.status: Optional[str] = None
        #: record files that could not be read (shown as warnings)
        self.problems: List[str] = []
        self.jobs: Dict[str, int] = {key: 0 for key in JOB_COUNT_KEYS}

    @property
    def total(self) -> int:
        return sum(self.jobs.values())

    def jobs_text(self) -> str:
        """``5 (4 done, 1 failed)``"""
        parts = [f"{n} {key}" for key, n in self.jobs.items() if n]
        return f"{self.total} ({', '.join(parts)})" if parts else "0"

    def to_json(self) -> dict:
        return {"experiment": self.experiment, "run": self.run_id, "current": self.current,
                "path": str(self.path), "host": self.host, "started": self.started,
                "ended": self.ended, "status": self.status,
                "jobs": {"total": self.total, **self.jobs}}


def read_run(index, experiment: str, path: Path, current: bool, locked: bool) -> RunInfo:
    """The run at ``path``; ``locked``: the experiment's lock is held now (a run that says
    it runs does so only if it is the current run and the lock is held)."""
    info = RunInfo(experiment, path, current)
    record = _record(path, info.problems)
    info.host = record.get("host")
    info.started = record.get("started") or _started_from_run_id(path.name)
    info.ended = record.get("ended")
    status = record.get("status")
    info.status = _STATUS_NAMES.get(status, status)
    if info.status in (None, "running") and not (current and locked):
        # The experiment process is gone without recording the end of its run (killed,
        # or its machine died), or it is another run of a running experiment
        info.status = "unfinished"
    for type_id, identifier in index.run_jobs(path):
        job = index.job(type_id, identifier)
        info.jobs["missing" if job is None else job.state] += 1
    return info


def _record(path: Path, problems: List[str]) -> dict:
    """host, started, ended, status of the run, from whichever file has them."""
    status = _read_json(path / "status.json", problems)
    if status.get("started_at") or status.get("hostname"):
        return {"host": status.get("hostname"), "started": status.get("started_at"),
                "ended": status.get("ended_at"), "status": status.get("status")}
    env = _read_json(path / "environment.json", problems)
    run = env.get("run") if isinstance(env.get("run"), dict) else None
    if run is not None:  # 2.x
        return {"host": run.get("hostname"), "started": run.get("started_at"),
                "ended": run.get("ended_at"), "status": run.get("status")}
    return {"host": env.get("host"), "started": env.get("started"),
            "ended": env.get("ended"), "status": env.get("status")}


def _read_json(path: Path, problems: List[str]) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        problems.append(f"{path}: cannot be read ({exc})")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a JSON object")
        return {}
    return data


def _started_from_run_id(run_id: str) -> Optional[str]:
    """Run ids are the start time (``20261207_155247``, ``20261207_155247.1``)."""
    try:
        stamp = datetime.datetime.strptime(run_id.split(".")[0], "%Y%m%d_%H%M%S")
    except ValueError:
        return None
    return stamp.isoformat()
