"""One job of a workspace as a row: what its folder says (state, times, task, parameters,
metrics), read through the job folder's protocol (jobfolder.py), plus what the runs of
experiments say of it (tags, which experiments use it).

A row is what the index stores and what ``experimaestro jobs`` and ``Results`` show. The
parameters and metrics are decoded when first read: listing jobs never pays for them.
"""

import json
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from experimaestro.jobfolder import (JobFolder, marker_name, read_records, read_started,
                                      read_state)

__all__ = ["JobRow", "read_job", "flatten_params", "last_metrics", "COLUMNS", "DETAILS",
           "LABELS"]

#: the columns read from the job folder, as stored (pid as JSON)
COLUMNS = ("type_id", "identifier", "mtime_ns", "state", "reason", "message", "pid",
           "submitted", "started", "ended")
#: what is read from params.json and metrics.jsonl, kept apart and read only when needed
#: (listing jobs does not): the task class, its parameters and the last value of each
#: metric (JSON)
DETAILS = ("task", "params", "metrics")
#: the columns read from the runs that use the job: its tags (those of the latest run)
#: and the experiments it is in (JSON)
LABELS = ("tags", "experiments")
_STORED = len(COLUMNS) + len(LABELS)


class JobRow:
    """A job: ``type_id``, ``identifier``, ``state`` (done, failed, running, none —
    "none": it has to run), ``reason`` and ``message`` of a failure, ``pid`` (the
    ``.pid`` record while it may run), times (``submitted``, ``started``, ``ended``:
    seconds since the epoch, or None), ``task`` (the class, module.QualName), ``params``
    (the task's parameters, flattened: ``model.hidden``), ``metrics`` (the last value of
    each), ``tags`` and ``experiments`` (from the runs)."""

    __slots__ = ("workspace", "type_id", "identifier", "mtime_ns", "state", "reason",
                 "message", "pid", "submitted", "started", "ended", "_task", "_params",
                 "_metrics", "_tags", "_experiments", "_loader")

    def __init__(self, workspace: Path, values: tuple, details=None):
        """``values``: the COLUMNS, then (optionally) the LABELS as stored (JSON);
        ``details``: the DETAILS, or a function giving them for a row (called when first
        needed)."""
        self.workspace = workspace
        (self.type_id, self.identifier, self.mtime_ns, self.state, self.reason,
         self.message, pid, self.submitted, self.started, self.ended,
         self._tags, self._experiments) = values if len(values) == _STORED else (*values, None, None)
        self.pid = json.loads(pid) if pid.__class__ is str else pid
        if callable(details):
            self._loader, self._task, self._params, self._metrics = details, None, None, None
        else:
            self._loader = None
            self._task, self._params, self._metrics = details or (None, None, None)

    def values(self) -> tuple:
        """The row as stored (see COLUMNS)."""
        return (self.type_id, self.identifier, self.mtime_ns, self.state, self.reason,
                self.message, None if self.pid is None else json.dumps(self.pid),
                self.submitted, self.started, self.ended)

    @property
    def has_details(self) -> bool:
        """The DETAILS are here (read, or given), not still to be asked for."""
        return self._loader is None

    def details(self) -> tuple:
        """The DETAILS as stored (JSON)."""
        self._load()
        return self._task, _as_text(self._params), _as_text(self._metrics)

    def set_details(self, task, params, metrics):
        self._loader = None
        self._task, self._params, self._metrics = task, params, metrics

    def _load(self):
        if self._loader is not None:
            loader, self._loader = self._loader, None
            self._task, self._params, self._metrics = loader(self)

    @property
    def task(self) -> Optional[str]:
        """The task's class (module.QualName), from params.json."""
        self._load()
        return self._task

    @property
    def key(self) -> Tuple[str, str]:
        return self.type_id, self.identifier

    @property
    def params(self) -> Dict[str, Any]:
        self._load()
        if isinstance(self._params, str):
            self._params = json.loads(self._params)
        return self._params or {}

    @property
    def tags(self) -> Dict[str, Any]:
        if not isinstance(self._tags, dict):
            self._tags = json.loads(self._tags) if self._tags else {}
        return self._tags

    @property
    def tags_text(self) -> Optional[str]:
        """The tags as stored (JSON), while they are not decoded; None otherwise."""
        return self._tags if isinstance(self._tags, str) else None

    @tags.setter
    def tags(self, value):
        """A dict, or the stored JSON object."""
        self._tags = value

    @property
    def experiments(self) -> Set[str]:
        if not isinstance(self._experiments, set):
            self._experiments = set(json.loads(self._experiments) if self._experiments
                                    else ())
        return self._experiments

    @experiments.setter
    def experiments(self, value):
        """A set of names, or the stored JSON list (None: not labelled yet, as a row a
        driver wrote before any reading of the runs)."""
        self._experiments = value if value is None or isinstance(value, str) else set(value)

    @property
    def metrics(self) -> Dict[str, Any]:
        self._load()
        if isinstance(self._metrics, str):
            self._metrics = json.loads(self._metrics)
        return self._metrics or {}

    @property
    def duration(self) -> Optional[float]:
        if self.started is None or self.ended is None:
            return None
        return max(0.0, self.ended - self.started)

    # -- the job folder ------------------------------------------------------------------

    @property
    def name(self) -> str:
        return marker_name(self.type_id)

    @property
    def path(self) -> Path:
        return self.workspace / "jobs" / self.type_id / self.identifier

    @property
    def folder(self) -> JobFolder:
        return JobFolder(self.path, self.name)

    @property
    def locator(self) -> str:
        return f"{self.type_id}/{self.identifier}"

    @property
    def short(self) -> str:
        return f"{self.type_id}/{self.identifier[:12]}"

    @property
    def stdout(self) -> Path:
        return self.folder.stdout

    @property
    def stderr(self) -> Path:
        return self.folder.stderr

    @property
    def lockpath(self) -> Path:
        return self.folder.lock_file

    def locked(self) -> bool:
        """True when a process holds the job lock (it runs, or waits to run, the job)."""
        return not self.folder.lock_free()

    @property
    def state_text(self) -> str:
        if self.state == "failed" and self.reason and self.reason != "failed":
            return f"failed ({self.reason})"
        return self.state

    def series(self, metric: str) -> List[Tuple[Optional[int], Any, Optional[float]]]:
        """Every recorded value of ``metric``: (step, value, time), in order."""
        return [(r.get("step"), r["value"], r.get("time")) for r in self.folder.records()
                if r.get("metric") == metric and "value" in r]

    def artifacts(self) -> Dict[str, Path]:
        """The files the task declared (log_artifact), by name (the last declaration
        wins), as absolute paths."""
        found = {}
        for record in self.folder.records():
            if "artifact" in record and "path" in record:
                found[record["artifact"]] = self.path / record["path"]
        return found

    def to_json(self) -> dict:
        return {
            "id": self.identifier,
            "type": self.type_id,
            "locator": self.locator,
            "path": str(self.path),
            "state": self.state,
            "reason": self.reason,
            "message": self.message,
            "pid": self.pid,
            "submitted": self.submitted,
            "started": self.started,
            "ended": self.ended,
            "tags": self.tags,
            "experiments": sorted(self.experiments),
            "stdout": str(self.stdout),
            "stderr": str(self.stderr),
        }

    def __repr__(self):
        return f"JobRow({self.locator}, {self.state_text})"


def _as_text(value) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def read_job(workspace: Path, type_id: str, identifier: str,
             mtime_ns: Optional[int] = None, details=True) -> JobRow:
    """The row of a job, read from its folder (``mtime_ns``: the folder's modification
    time, taken by the caller *before* reading, so that a change while reading is seen
    next time). ``details``: read them too (True), or a function that will (see JobRow).
    Paths as strings: this runs for every job when an index is built."""
    path = os.path.join(str(workspace), "jobs", type_id, identifier)
    name = marker_name(type_id)
    disk = read_state(path, name)
    submitted = _mtime(os.path.join(path, "params.json"))
    ended = None
    if disk.state == "done":
        # (2.x may have written a .failed holding 0 instead of a .done)
        ended = _mtime(os.path.join(path, f"{name}.done")) \
            or _mtime(os.path.join(path, f"{name}.failed"))
    elif disk.state == "failed":
        ended = _mtime(os.path.join(path, f"{name}.failed"))
    return JobRow(workspace, (type_id, identifier, mtime_ns, disk.state, disk.reason,
                              disk.message, disk.pid, submitted, read_started(path), ended),
                  details=read_details(path) if details is True else details)


def read_details(path: str) -> tuple:
    """The DETAILS of the job folder at ``path``: the task class, its flattened
    parameters, the last value of each metric."""
    task, params = _read_params(os.path.join(path, "params.json"))
    return task, params, last_metrics(read_records(path))


def _mtime(path: str) -> Optional[float]:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _read_params(path: str) -> Tuple[Optional[str], Dict[str, Any]]:
    """(task class, flattened parameters) from params.json; (None, {}) when it cannot be
    read (being written, or not a job folder of ours or 2.x's)."""
    try:
        with open(path) as f:
            data = json.load(f)
        objects = data["objects"]
        task = objects[-1]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None, {}
    if not isinstance(task, dict):
        return None, {}
    by_id = {o.get("id"): o for o in objects if isinstance(o, dict)}
    return task.get("typename"), dict(flatten_params(task, by_id))


def flatten_params(record: dict, by_id: dict, prefix: str = "",
                   seen: Optional[set] = None) -> Iterator[Tuple[str, Any]]:
    """The fields of a params.json object record as (dotted name, plain value): nested
    configurations are followed (``model.hidden``), with ``model`` itself giving the
    class name; lists and dicts of plain values stay as they are."""
    seen = set() if seen is None else seen
    if id(record) in seen:
        return  # a cycle
    seen = seen | {id(record)}
    fields = record.get("fields")
    for name, value in (fields.items() if isinstance(fields, dict) else ()):
        yield from _flatten_value(f"{prefix}{name}", value, by_id, seen)


def _flatten_value(name: str, value, by_id: dict, seen: set) -> Iterator[Tuple[str, Any]]:
    if isinstance(value, dict):
        kind = value.get("type")
        if kind == "python":
            nested = by_id.get(value.get("value"))
            if isinstance(nested, dict):
                yield name, nested.get("typename")
                yield from flatten_params(nested, by_id, name + ".", seen)
            return
        if kind == "enum" or kind == "path" or kind == "float":
            yield name, value.get("value")
            return
        if kind == "path.serialized":
            yield name, value.get("value")
            return
        if kind == "set":
            yield name, [_plain(v, by_id) for v in value.get("items", [])]
            return
        if kind == "dict":
            yield name, {str(_plain(k, by_id)): _plain(v, by_id)
                         for k, v in value.get("items", [])}
            return
        yield name, value
        return
    if isinstance(value, list):
        if any(isinstance(v, dict) and v.get("type") == "python" for v in value):
            for i, item in enumerate(value):
                yield from _flatten_value(f"{name}.{i}", item, by_id, seen)
            return
        yield name, [_plain(v, by_id) for v in value]
        return
    yield name, value


def _plain(value, by_id: dict):
    """A value inside a list, set or dict, as one plain value (a configuration: its
    class name)."""
    if isinstance(value, dict):
        if value.get("type") == "python":
            nested = by_id.get(value.get("value"))
            return nested.get("typename") if isinstance(nested, dict) else None
        if "value" in value:
            return value["value"]
    if isinstance(value, list):
        return [_plain(v, by_id) for v in value]
    return value


def last_metrics(records: List[dict]) -> Dict[str, Any]:
    """The last value of each metric in metrics.jsonl records (by step when steps are
    given: the value of the highest step; otherwise the last recorded)."""
    last: Dict[str, Tuple[Any, Any]] = {}
    for record in records:
        name = record.get("metric")
        if not isinstance(name, str) or "value" not in record:
            continue
        step = record.get("step")
        previous = last.get(name)
        if previous is None or step is None or previous[0] is None or step >= previous[0]:
            last[name] = (step, record["value"])
    return {name: value for name, (_, value) in last.items()}
