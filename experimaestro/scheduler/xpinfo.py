"""Reading back what an experiment run submitted: ``load_xp_info(run folder)``.

A run folder (``WORKSPACE/experiments/<name>/<run id>``, or its ``current`` link) lists its
jobs in ``jobs.jsonl`` and its actions in ``actions.jsonl``; the configurations are rebuilt
from each job's ``params.json`` and from the action records. A run of experimaestro 2.x
has no ``actions.jsonl``: its actions come from ``objects.jsonl`` and ``status.json``
(which runs of ours also write, for 2.x's reader: see runfiles.py).
"""

import json
import logging
from pathlib import Path
from typing import Any, Dict, Union

import attrs

logger = logging.getLogger("xpm.experiment")

__all__ = ["ExperimentInfo", "load_xp_info"]


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
    elif (run / "objects.jsonl").exists():
        actions = _actions_of_2x_run(run)  # (a run of experimaestro 2.x)
    return ExperimentInfo(jobs=jobs, actions=actions)


def _actions_of_2x_run(run: Path) -> Dict[str, Any]:
    """The actions of a run written by 2.x: their ids are in status.json, their
    configurations among the objects of objects.jsonl (matched by identifier)."""
    from experimaestro.core.serialization import from_state_dict

    try:
        ids = set(json.loads((run / "status.json").read_text()).get("actions") or {})
    except (OSError, ValueError):
        return {}
    objects = list(_lines(run / "objects.jsonl"))
    refs = {o["identifier"]: {"type": "python", "value": o["id"]}
            for o in objects if o.get("identifier") in ids}
    if not refs:
        return {}
    return from_state_dict({"objects": objects, "data": refs})
