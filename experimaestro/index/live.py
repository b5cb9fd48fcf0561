"""The state a job is in now, from its row and its launcher: a job whose process is gone
without a marker failed (``lost``), a job still waiting in a queue (a pending Slurm job)
is ``queued``, a job that never started is ``pending``."""

from typing import Iterable

from experimaestro.jobfolder import LOST_MESSAGE, FailureReason
from experimaestro.launchers.handles import handle_for, queued_handles

from .jobrow import JobRow

__all__ = ["settle_states"]


def settle_states(rows: Iterable[JobRow]):
    """Turn the states read from the folders into the states shown (in place): one query
    per kind of launcher for all the jobs that may wait in a queue."""
    handles = {}
    for row in rows:
        if row.state == "none":
            row.state = "pending"
        elif row.state == "running":
            handle = handle_for(row.pid) if isinstance(row.pid, dict) else None
            if isinstance(row.pid, dict) and handle is not None and not handle.alive():
                # The process ended without writing a marker (killed, or its machine died)
                row.state, row.reason, row.message = ("failed", FailureReason.LOST.value,
                                                      LOST_MESSAGE)
            elif handle is not None and handle.queue:
                handles[handle] = row
    for handle in queued_handles(handles):
        handles[handle].state = "queued"
