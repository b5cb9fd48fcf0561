"""Reading back what an experiment run submitted: ``load_xp_info(run folder)``.

A run folder (``WORKSPACE/experiments/<name>/<run id>``, or its ``current`` link) lists its
jobs in ``jobs.jsonl`` and its actions in ``actions.jsonl``; the configurations are rebuilt
from each job's ``params.json`` and from the action records.
"""

import json
import logging
from pathlib import Path
from typing import Any, Dict, Union

import attrs

logger = logging.getLogger("xpm.experiment")

__all__ = ["ExperimentInfo", "load_xp_info", "load_configs"]


@attrs.define
class ExperimentInfo:
    """What a run submitted: ``jobs`` (job id -> task configuration) and ``actions``
    (action id -> Action configuration)."""

    jobs: Dict[str, Any]
    actions: Dict[str, Any]


def _lines(path: Path):
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as e:
                # A line cut by a crash of the driver: the lines before it are still good
                logger.warning("%s:%d: unreadable line skipped (%s)", path, number, e)


def load_xp_info(path: Union[str, Path]) -> ExperimentInfo:
    """The jobs and actions of an experiment run folder (no experiment needs to run)."""
    from experimaestro.core.serialization import from_state_dict, from_task_dir

    run = Path(path).resolve()
    jobs_file = run / "jobs.jsonl"
    actions_file = run / "actions.jsonl"
    if not jobs_file.exists() and not actions_file.exists():
        raise FileNotFoundError(
            f"{run}: not an experiment run folder (no jobs.jsonl nor actions.jsonl); give"
            " WORKSPACE/experiments/<name>/<run id> or WORKSPACE/experiments/<name>/current"
        )
    workspace = run.parents[2]
    jobs: Dict[str, Any] = {}
    if jobs_file.exists():
        for record in _lines(jobs_file):
            job_id, task_id = record.get("job_id"), record.get("task_id")
            jobpath = workspace / "jobs" / str(task_id) / str(job_id)
            if not (jobpath / "params.json").exists():
                logger.warning("job %s/%s: no params.json in %s (folder removed?); skipped",
                               task_id, job_id, jobpath)
                continue
            jobs[job_id] = from_task_dir(jobpath)
    actions: Dict[str, Any] = {}
    if actions_file.exists():
        for record in _lines(actions_file):
            actions[record["action_id"]] = from_state_dict(record["state"])
    return ExperimentInfo(jobs=jobs, actions=actions)


def load_configs(path: Union[str, Path]) -> Dict[str, Any]:
    """Deprecated (as in 2.x): the task configurations of a run folder, by job id — the
    ``jobs`` of :func:`load_xp_info`, which also gives the actions."""
    import warnings

    warnings.warn("load_configs() is deprecated, use load_xp_info() instead",
                  DeprecationWarning, stacklevel=2)
    return load_xp_info(path).jobs
