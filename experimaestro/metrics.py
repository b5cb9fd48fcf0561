"""Recording results from inside a task: ``log_metric(name, value, step=None)`` and
``log_artifact(path)``, appended to ``<job folder>/.experimaestro/metrics.jsonl`` (see
jobfolder.py). Cheap: no import beyond the standard library, one short write per record.
Outside a job (e.g. ``execute()`` called in a test), nothing is recorded, and one
warning says so."""

# Annotations stay text: evaluating Union[int, float] here would put it in typing's cache,
# and a user's Union[float, int] would then come back as Union[int, float], changing
# which type converts a value first (and so identifiers: 0 in float | int is 0.0)
from __future__ import annotations

import math
import numbers
import time
import warnings
from pathlib import Path
from typing import Optional, Union

from experimaestro.jobfolder import JobFolder
from experimaestro.taskglobals import Env

__all__ = ["log_metric", "log_artifact"]

_warned = []


def log_metric(name: str, value: Union[int, float], step: Optional[int] = None):
    """Record the value of the metric `name` (at `step`, e.g. an epoch, if given). The
    last value of each metric is the one a results table shows."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"log_metric: the name must be a non-empty string, got {name!r}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"log_metric({name!r}): the value must be a number, got"
                        f" {type(value).__name__} {value!r}")
    value = float(value) if not isinstance(value, int) else value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"log_metric({name!r}): {value} is not a finite number (record"
                         " it under another metric, e.g. a flag, if it matters)")
    if step is not None and (isinstance(step, bool) or not isinstance(step, numbers.Integral)
                             or step < 0):
        raise TypeError(f"log_metric({name!r}): step must be a whole number >= 0, got"
                        f" {step!r}")
    _append({"metric": name, "value": value, "step": None if step is None else int(step),
             "time": time.time()})


def log_artifact(path: Union[str, Path], name: Optional[str] = None):
    """Declare a file (or folder) produced by the task as a result (`name`: default the
    file name); inside the job folder, it is recorded relative to it."""
    path = Path(path)
    folder = _job_folder()
    if folder is not None:
        path = path if path.is_absolute() else Path.cwd() / path
        try:
            path = path.relative_to(folder.path)
        except ValueError:
            pass  # outside the job folder: kept absolute
    _append({"artifact": name or path.name, "path": str(path), "time": time.time()})


def _job_folder():
    taskpath = Env.instance().taskpath
    return None if taskpath is None else JobFolder.of(taskpath)


def _append(record: dict):
    folder = _job_folder()
    if folder is None:
        if not _warned:
            _warned.append(True)
            warnings.warn("log_metric / log_artifact outside a job (no job folder):"
                          " nothing is recorded", RuntimeWarning, stacklevel=3)
        return
    folder.append_record(record)
