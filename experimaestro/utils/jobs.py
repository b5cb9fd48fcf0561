"""``jobmonitor(*outputs)``: follow submitted jobs with a progress bar (2.x's
``experimaestro.utils.jobs``; in a notebook, through ``experimaestro.utils.jupyter``).

The bar shows the progress the task reports (``experimaestro.progress`` or ``tqdm``,
written in its job folder); the end of the job comes from the scheduler of this
process. The bars are tqdm's ``autonotebook`` ones: widgets in a notebook (with
ipywidgets), text elsewhere.
"""

import json
from typing import Optional

from experimaestro.scheduler.jobs import Job, JobState

__all__ = ["jobmonitor"]

#: seconds between two looks at the progress of a running job
INTERVAL = 0.5
#: the bar, its percentage and times (tqdm's default would show a rate in %/s)
BAR = "{l_bar}{bar}| [{elapsed}<{remaining}]"


def jobmonitor(*outputs, interval: float = INTERVAL, file=None):
    """Follow the jobs of ``outputs`` (what ``submit()`` returned), one after the other,
    each with a progress bar, until it ends. Raises RuntimeError when one did not
    succeed, naming its error log. ``file``: where text bars go (default: stderr)."""
    tqdm = _tqdm()
    for output in outputs:
        _follow(job_of(output), tqdm, interval, file)


def job_of(output) -> Job:
    """The job of a submitted task, or of a task output (``task_outputs``)."""
    xpm = getattr(output, "__xpm__", None)
    if xpm is None:
        raise TypeError(f"jobmonitor: {output!r} is not a configuration: give it what"
                        " submit() returned")
    job = xpm.job
    if job is None and xpm.task is not None:
        job = xpm.task.__xpm__.job  # an output of the task (task_outputs)
    if job is None:
        raise ValueError(f"jobmonitor: {output!r} was not submitted (call .submit() first)")
    return job


def _follow(job: Job, tqdm, interval: float, file):
    if job.scheduler is None and not job.run.ended.is_set():
        raise RuntimeError(f"jobmonitor: {job.relpath} will not run (run mode"
                           f" {job.run_mode.value})")
    if job.state is JobState.DONE:
        print(f"{job.relpath}: already done", file=file)
        return
    with tqdm(total=100, desc=job.name, file=file, bar_format=BAR) as bar:
        while not job.run.ended.wait(interval):
            _advance(bar, _progress(job))
        if job.state is JobState.DONE:
            _advance(bar, 100)
    if job.state is not JobState.DONE:
        why = "".join(f", {part}" for part in (job.failure_reason, job.failure_message) if part)
        raise RuntimeError(f"{job.relpath} did not succeed ({job.state.value}{why});"
                           f" its error log: {job.stderr}")


def _advance(bar, percent: float):
    # Progress restarts when a task runs again: the bar only moves forward
    if percent > bar.n:
        bar.update(percent - bar.n)


def _progress(job: Job) -> float:
    """The top-level progress the running task reports, in percent (0 if none yet)."""
    levels = _progress_levels(job)
    top: Optional[dict] = levels.get("0")
    return 100 * float(top.get("value", 0)) if top else 0.0


def _progress_levels(job: Job) -> dict:
    try:
        return json.loads(job.folder.progress.read_text())
    except (OSError, ValueError):
        return {}


def _tqdm():
    try:
        from tqdm.autonotebook import tqdm
    except ImportError:
        raise ImportError("jobmonitor needs tqdm (and, in notebooks, ipywidgets): pip install"
                          " 'experimaestro[jupyter]'") from None
    return tqdm
