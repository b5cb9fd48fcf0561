"""Stopping one job through the handle of its ``.pid`` record (``jobs kill``, ``jobs stray
--kill``): the command does not know which launcher started it."""

import subprocess
from typing import NamedTuple

from experimaestro.jobfolder import FailureReason
from experimaestro.launchers.handles import handle_for

__all__ = ["KillOutcome", "kill_job"]


class KillOutcome(NamedTuple):
    #: "killed", "would" (not performed), or "error"
    status: str
    message: str


def kill_job(job, perform: bool) -> KillOutcome:
    """Stop ``job`` (a JobInfo that runs or is queued), or say how it would be stopped."""
    if job.state not in ("running", "queued") or not isinstance(job.pid, dict):
        return KillOutcome("error", f"{job.short}: not running ({job.state_text})")
    handle = handle_for(job.pid)
    if handle is None:
        return KillOutcome("error", f"{job.short}: cannot kill it: unknown kind of process in"
                                    f" {job.folder.pid} ({job.pid})")
    what = handle.describe()
    if not perform:
        return KillOutcome("would", f"Would kill {job.short}: {what}")
    try:
        handle.kill()
    except ProcessLookupError:
        return KillOutcome("error", f"{job.short}: not running ({what}: gone)")
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        return KillOutcome("error", f"{job.short}: could not kill {what}: {exc}")
    if handle.queue:
        _record_cancelled_before_start(job)
    return KillOutcome("killed", f"Killed {job.short}: {what}")


def _record_cancelled_before_start(job):
    """A Slurm job cancelled while it waited in the queue never runs, and Slurm keeps no
    record of a pending array element cancelled alone: its folder records the
    cancellation (a job that started writes it itself when it gets the signal)."""
    lock = job.folder.try_lock()
    if lock is None:
        return  # the job process runs (it holds the lock)
    with lock:
        if job.folder.state().state not in ("done", "failed"):
            job.folder.write_failure(FailureReason.CANCELLED,
                                     "cancelled with `experimaestro jobs kill` before it"
                                     " started", code=None)
