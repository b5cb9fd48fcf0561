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
    """The jobs and actions of an experiment run folder (no experiment needs to run).

    From ``objects.jsonl`` when the run has it (runs of 2.x, and of ours since it writes
    it): all objects are rebuilt at once, so that a configuration shared by several jobs
    or actions is one object, as in the experiment. Otherwise each job is rebuilt from its
    folder's ``params.json``, each action from ``actions.jsonl``."""
    run = Path(path).resolve()
    jobs_file = run / "jobs.jsonl"
    actions_file = run / "actions.jsonl"
    if not jobs_file.exists() and not actions_file.exists():
        raise FileNotFoundError(
            f"{run}: not an experiment run folder (no jobs.jsonl nor actions.jsonl); give"
            " WORKSPACE/experiments/<name>/<run id> or WORKSPACE/experiments/<name>/current"
        )
    job_records = list(_lines(jobs_file)) if jobs_file.exists() else []
    action_records = list(_lines(actions_file)) if actions_file.exists() else []
    action_ids = [r["action_id"] for r in action_records] or _status_actions(run)
    found = _from_objects(run, [r.get("job_id") for r in job_records] + action_ids)
    jobs = {r.get("job_id"): found.get(r.get("job_id")) or _from_job_folder(run, r)
            for r in job_records}
    actions = {i: found.get(i) for i in action_ids}
    for record in action_records:
        if actions.get(record["action_id"]) is None:
            actions[record["action_id"]] = _from_action_record(record)
    return ExperimentInfo(jobs={k: v for k, v in jobs.items() if v is not None},
                          actions={k: v for k, v in actions.items() if v is not None})


def _status_actions(run: Path) -> list:
    """The action ids of status.json (2.x's runs have no actions.jsonl)."""
    try:
        return list(json.loads((run / "status.json").read_text()).get("actions") or {})
    except (OSError, ValueError):
        return []


def _from_objects(run: Path, identifiers) -> Dict[str, Any]:
    """identifier -> configuration, for those of `identifiers` found in objects.jsonl."""
    from experimaestro.core.serialization import from_state_dict

    path = run / "objects.jsonl"
    if not path.exists():
        return {}
    wanted = set(identifiers)
    objects = list(_lines(path))
    refs = {o["identifier"]: {"type": "python", "value": o["id"]}
            for o in objects if o.get("identifier") in wanted}
    if not refs:
        return {}
    try:
        return from_state_dict({"objects": objects, "data": refs})
    except Exception as exc:  # noqa: BLE001 - the job folders remain a way to read them
        logger.warning("%s: cannot rebuild its objects (%s: %s); reading the job folders",
                       path, type(exc).__name__, exc)
        return {}


def _from_job_folder(run: Path, record: dict):
    from experimaestro.core.serialization import from_task_dir

    job_id, task_id = record.get("job_id"), record.get("task_id")
    jobpath = run.parents[2] / "jobs" / str(task_id) / str(job_id)
    if not (jobpath / "params.json").exists():
        logger.warning("job %s/%s: no params.json in %s (folder removed?); skipped",
                       task_id, job_id, jobpath)
        return None
    return from_task_dir(jobpath)


def _from_action_record(record: dict):
    from experimaestro.core.serialization import from_state_dict

    return from_state_dict(record["state"])


def load_configs(path: Union[str, Path]) -> Dict[str, Any]:
    """Deprecated (as in 2.x): the task configurations of a run folder, by job id — the
    ``jobs`` of :func:`load_xp_info`, which also gives the actions."""
    import warnings

    warnings.warn("load_configs() is deprecated, use load_xp_info() instead",
                  DeprecationWarning, stacklevel=2)
    return load_xp_info(path).jobs
