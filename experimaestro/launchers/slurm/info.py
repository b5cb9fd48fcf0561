"""Job side: what the running Slurm job knows of its own time limit (one cached query)."""

import os
import subprocess
import time
from typing import Optional


class SlurmInfo:
    """``remaining_time()`` from the job's EndTime (``scontrol show job``, asked once)."""

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
    for token in out.split():
        if token.startswith("EndTime="):
            value = token.split("=", 1)[1]
            try:
                return time.mktime(time.strptime(value, "%Y-%m-%dT%H:%M:%S"))
            except ValueError:
                return None
    return None
