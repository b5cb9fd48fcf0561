"""How the terminal monitor writes values: states (coloured), times, durations, tags, the
cells of a job row and of an experiment row."""

import datetime
import time
from typing import Any, Dict, List, Optional

from rich.text import Text

from experimaestro.index.jobrow import JobRow
from experimaestro.index.runinfo import RunInfo

__all__ = ["state_text", "local_time", "duration_text", "tags_text", "job_cells",
           "experiment_cells", "JOB_COLUMNS", "EXPERIMENT_COLUMNS", "iso_seconds"]

#: the columns of a jobs table: (key, label)
JOB_COLUMNS = (("state", "State"), ("task", "Task"), ("id", "Id"), ("tags", "Tags"),
               ("submitted", "Submitted"), ("duration", "Duration"))
EXPERIMENT_COLUMNS = (("id", "Experiment"), ("host", "Host"), ("jobs", "Jobs"),
                      ("started", "Started"), ("duration", "Duration"),
                      ("status", "Status"))

_STYLES = {"done": "green", "failed": "bold red", "running": "bold yellow",
           "queued": "cyan", "pending": "dim", "interrupted": "red",
           "unfinished": "magenta", "missing": "dim red"}


def state_text(state: Optional[str], text: Optional[str] = None) -> Text:
    """``text`` (default: the state) in the colour of ``state``."""
    return Text(text or state or "-", style=_STYLES.get(state or "", ""))


def local_time(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    return datetime.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


def duration_text(seconds: Optional[float]) -> str:
    """``12.3s``, ``4m05s``, ``2h03m``, ``3d04h``."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def tags_text(tags: Dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(tags.items()))


def job_duration(row: JobRow, now: Optional[float] = None) -> Optional[float]:
    """How long the job ran (running: so far)."""
    if row.duration is not None:
        return row.duration
    if row.state == "running" and row.started is not None:
        return max(0.0, (now or time.time()) - row.started)
    return None


def job_state(row: JobRow, progress: List[dict]) -> Text:
    """The state; a running job with its progress (outermost level)."""
    text = row.state_text
    if row.state == "running" and progress:
        text = f"running {progress[0]['value'] * 100:.0f}%"
    return state_text(row.state, text)


def job_cells(row: JobRow, progress: List[dict]) -> Dict[str, Text]:
    """The cells of a job row, by column key (Text: a tag holding ``[`` is no markup, and
    a table measures Text faster)."""
    return {"state": job_state(row, progress), "task": Text(row.type_id),
            "id": Text(row.identifier[:12]), "tags": Text(tags_text(row.tags)),
            "submitted": Text(local_time(row.submitted)),
            "duration": Text(duration_text(job_duration(row)))}


def iso_seconds(value: Optional[str]) -> Optional[float]:
    """Seconds since the epoch of an ISO 8601 time (local when naive); None if unreadable."""
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def experiment_cells(info: RunInfo) -> Dict[str, Text]:
    started, ended = iso_seconds(info.started), iso_seconds(info.ended)
    if started is not None and ended is None and info.status == "running":
        ended = time.time()
    duration = None if started is None or ended is None else max(0.0, ended - started)
    return {"id": Text(info.experiment), "host": Text(info.host or "-"),
            "jobs": Text(info.jobs_text()), "started": Text(local_time(started)),
            "duration": Text(duration_text(duration)), "status": state_text(info.status)}
