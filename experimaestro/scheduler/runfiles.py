"""The record files of a run folder (``WORKSPACE/experiments/<name>/<run id>``), in the
formats 2.x's readers use, so that ``load_xp_info`` of either implementation reads the
runs of both:

- ``jobs.jsonl``: one line per job of the run (``job_id``, ``task_id``, ``tags``,
  ``timestamp``);
- ``objects.jsonl``: the configurations of the jobs and actions, one serialized object
  per line, each written once for the run (objects shared by many jobs too);
- ``status.json``: the run's state (``status``: running, done, failed), its actions
  (their ids classify the objects of ``objects.jsonl``) and, at the end, the state of
  each job;
- ``actions.jsonl``: ours, each action with its description (``experimaestro actions``).
"""

import datetime
import json
import platform
import time
from pathlib import Path
from typing import Dict, Optional

from experimaestro.core.serialization import ObjectStream, SerializationContext
from experimaestro.jobfolder import write_atomic

__all__ = ["RunFiles"]


class RunFiles:
    """Appends to the record files of one run (the driver's thread only)."""

    def __init__(self, run_path: Path, experiment_id: str):
        self.path = run_path
        self.experiment_id = experiment_id
        self._jobs = open(run_path / "jobs.jsonl", "a", buffering=1)
        self._objects = open(run_path / "objects.jsonl", "a", buffering=1)
        self._stream = ObjectStream(SerializationContext())
        self._actions: Dict[str, dict] = {}
        self._started = datetime.datetime.now().isoformat()
        self.write_status("running")

    def job(self, job):
        line = {"job_id": job.identifier, "task_id": job.type_id, "tags": job.tags(),
                "timestamp": time.time()}
        self._write_objects(job.config)
        self._jobs.write(json.dumps(line, default=str) + "\n")

    def action(self, action_id: str, action, state: dict):
        self._write_objects(action)
        with open(self.path / "actions.jsonl", "a") as f:
            f.write(json.dumps({"action_id": action_id, "description": action.describe(),
                                "state": state}) + "\n")
        self._actions[action_id] = {"action_id": action_id,
                                    "description": action.describe(),
                                    "action_class": type(action).__xpm_user_class__
                                    .__qualname__}
        self.write_status("running")

    def _write_objects(self, config):
        for record in self._stream.new_records(config):
            self._objects.write(json.dumps(record, default=str) + "\n")

    def write_status(self, status: str, job_states: Optional[Dict[str, str]] = None):
        """status.json, rewritten whole (atomically)."""
        ended = None if status == "running" else datetime.datetime.now().isoformat()
        content = {
            "version": 1, "experiment_id": self.experiment_id, "run_id": self.path.name,
            "status": status, "hostname": platform.node(), "started_at": self._started,
            "ended_at": ended, "job_states": job_states or {}, "services": {},
            "actions": self._actions, "run_tags": [],
            "last_updated": datetime.datetime.now().isoformat(),
        }
        write_atomic(self.path / "status.json", json.dumps(content, indent=1))

    def close(self, status: str, job_states: Dict[str, str]):
        self._jobs.close()
        self._objects.close()
        self.write_status(status, job_states)
