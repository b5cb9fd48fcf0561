"""Job side: what the running Slurm job knows of its own time limit (one cached query)."""

import os
import subprocess
import time
from typing import Optional


class SlurmInfo:
    """``remaining_time()`` from the job's start time and time limit (``scontrol show job``,
    asked once)."""

    def __init__(self):
        self.job_id = os.environ.get("SLURM_JOB_ID")
        self._end: Optional[float] = None
        self._asked = False

    def end_time(self) -> Optional[float]:
        if not self._asked:
            self._asked = True
            self._end = _query_end_time(self.job_id)
        return self._end

    def remaining_time(self) -> Optional[float]:
        end = self.end_time()
        if end is None:
            return None
        return max(0.0, end - time.time())


def _query_end_time(job_id: Optional[str]) -> Optional[float]:
    if not job_id:
        return None
    try:
        out = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # StartTime + TimeLimit, not EndTime: a cancelled job's EndTime becomes the cancel time
    fields = dict(t.split("=", 1) for t in out.split() if "=" in t)
    try:
        start = time.mktime(time.strptime(fields["StartTime"], "%Y-%m-%dT%H:%M:%S"))
    except (KeyError, ValueError):
        return None
    limit = parse_time_limit(fields.get("TimeLimit", ""))
    return None if limit is None else start + limit


def parse_time_limit(text: str) -> Optional[float]:
    """Seconds of a Slurm time limit (``D-HH:MM:SS``, ``HH:MM:SS``, ``MM:SS``); None if
    unlimited or unreadable."""
    if not text or text in ("UNLIMITED", "Partition_Limit", "INFINITE"):
        return None
    days = 0
    if "-" in text:
        d, text = text.split("-", 1)
        days = int(d)
    parts = [int(p) for p in text.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    hours, minutes, seconds = parts[-3:]
    return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
