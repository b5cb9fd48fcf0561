"""Keeping the history of an experiment short: when a run ends, its older runs
(``experiments/<id>/<run id>/``) beyond the ``history`` of the settings are removed.

Counting the run that just ended, the newest ``max_done`` completed runs and the newest
``max_failed`` failed runs are kept, and a failed run older than the newest completed
one is removed (the success supersedes it). This is what experimaestro 2.7.0 does,
measured (its code counts the ``current`` link among the past runs, which comes to the
same). Runs whose end is unknown (still running, or a driver that died) are kept.

Only run folders are removed: job folders (``jobs/...``) are never touched, the links to
them in a run folder are removed as links.
"""

import json
import logging
import re
import shutil
from pathlib import Path
from typing import List, Optional

from experimaestro.settings import HistorySettings

__all__ = ["prune_runs", "runs_to_remove", "run_status", "run_order"]

logger = logging.getLogger("xpm.experiment")

#: run folder names: YYYYMMDD_HHMMSS, then .N when several runs start in the same second
RUN_NAME = re.compile(r"^(\d{8}_\d{6})(?:\.(\d+))?$")

COMPLETED, FAILED = "completed", "failed"

#: the end of a run, as written by us (environment.json "status") or by 2.x
#: (environment.json "run.status", or status.json "status"); an interrupted run
#: (Ctrl-C) did not complete: it counts as failed
STATUSES = {"done": COMPLETED, "completed": COMPLETED, "failed": FAILED,
            "interrupted": FAILED}


def run_order(name: str):
    """Sort key of a run folder name (``20260101_100000.2`` after ``.1``, before ``.10``)."""
    match = RUN_NAME.match(name)
    return match.group(1), int(match.group(2) or 0)


def run_status(run_dir: Path) -> Optional[str]:
    """``"completed"``, ``"failed"``, or None when the end of the run is unknown."""
    info = _read_json(run_dir / "environment.json")
    status = info.get("status")
    if status is None and isinstance(info.get("run"), dict):
        status = info["run"].get("status")  # written by 2.x
    if status is None:
        legacy = _read_json(run_dir / "status.json").get("status")  # older 2.x runs
        status = legacy if legacy in ("done", "failed") else None
    return STATUSES.get(status) if isinstance(status, str) else None


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("%s: cannot read it (%s); the run is kept", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def runs_to_remove(experiment_dir: Path, current: str, current_status: str,
                   history: HistorySettings) -> List[Path]:
    """The run folders of ``experiment_dir`` that ``history`` does not keep, once the run
    ``current`` ended with ``current_status`` (as written in environment.json)."""
    current_status = STATUSES.get(current_status, current_status)
    runs = []  # (sort key, folder, status), oldest first
    for entry in experiment_dir.iterdir():
        # real folders named as runs only: never the `current` link, never anything else
        if entry.is_symlink() or not entry.is_dir() or not RUN_NAME.match(entry.name):
            continue
        status = current_status if entry.name == current else run_status(entry)
        if status is not None:
            runs.append((run_order(entry.name), entry, status))
    runs.sort(key=lambda run: run[0])
    completed = [run for run in runs if run[2] == COMPLETED]
    failed = [run for run in runs if run[2] == FAILED]
    remove = []
    if completed:
        newest = completed[-1][0]
        remove += [run for run in failed if run[0] < newest]
        failed = [run for run in failed if run[0] > newest]
    remove += _beyond(completed, history.max_done) + _beyond(failed, history.max_failed)
    return [folder for _, folder, _ in sorted(remove, key=lambda run: run[0])
            if folder.name != current]


def _beyond(runs: list, keep: int) -> list:
    """The runs older than the newest ``keep``."""
    return runs[: max(len(runs) - keep, 0)]


def prune_runs(experiment_dir: Path, current: str, current_status: str,
               history: HistorySettings) -> List[Path]:
    """Remove the runs ``history`` does not keep; returns them. A folder that cannot be
    removed is logged and left."""
    removed = []
    for folder in runs_to_remove(experiment_dir, current, current_status, history):
        try:
            # rmtree unlinks the links to job folders, it never follows them
            shutil.rmtree(folder)
        except OSError as exc:
            logger.warning("could not remove the old run %s: %s", folder, exc)
            continue
        logger.info("removed the old run %s (history: max_done=%d, max_failed=%d)",
                    folder, history.max_done, history.max_failed)
        removed.append(folder)
    return removed
