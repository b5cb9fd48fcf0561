"""``Results``: the jobs of a workspace as a table — tags, parameters, times, state and
the last value of each metric — filtered, then turned into records, CSV or a pandas
DataFrame. Read through the workspace index (fast at 100,000 jobs).

    from experimaestro import Results

    results = Results("workspace").filter(task="mymodule.Train", state="done",
                                          where="metric.accuracy >= 0.8")
    for record in results.to_records(): ...
    results.to_dataframe()      # pandas (pip install experimaestro[results])
"""

import csv
import fnmatch
import io
import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Union

from .fields import STATE_NAMES, canonical_state, field_for
from .filter import parse_filter
from .jobindex import JobIndex
from .jobrow import JobRow
from .live import settle_states

__all__ = ["Results", "FIXED_COLUMNS", "record_of"]

#: the columns every record has, in this order; then ``tag.NAME``, ``param.NAME`` and
#: ``metric.NAME`` columns
FIXED_COLUMNS = ("id", "task", "type", "state", "reason", "submitted", "started", "ended",
                 "duration", "experiments", "path")
_TIMES = ("submitted", "started", "ended")


def record_of(row: JobRow) -> Dict[str, Any]:
    """The record of a job: FIXED_COLUMNS, then its tags, parameters and metrics."""
    record = {"id": row.identifier, "task": row.task or row.type_id, "type": row.type_id,
              "state": row.state, "reason": row.reason, "submitted": row.submitted,
              "started": row.started, "ended": row.ended, "duration": row.duration,
              "experiments": ",".join(sorted(row.experiments)), "path": str(row.path)}
    record.update((f"tag.{k}", v) for k, v in row.tags.items())
    record.update((f"param.{k}", v) for k, v in row.params.items())
    record.update((f"metric.{k}", v) for k, v in row.metrics.items())
    return record


class Results:
    """The jobs of a workspace (a folder, or a running ``experiment``: the jobs of that
    experiment), narrowed by ``filter()``; each filter returns new Results. Use it in a
    ``with`` block, or call ``close()``, to close the index at once."""

    def __init__(self, workdir, *, _rows: Optional[List[JobRow]] = None,
                 _index: Optional[JobIndex] = None):
        experiment = None
        if hasattr(workdir, "workspace") and hasattr(workdir, "name"):
            # an experiment: its workspace, its jobs
            experiment, workdir = workdir.name, workdir.workspace.path
        self.workdir = Path(workdir).expanduser().absolute()
        if _rows is None and not (self.workdir / "jobs").is_dir():
            raise FileNotFoundError(f"{self.workdir}: not a workspace (no jobs/ folder);"
                                    " give the folder that holds jobs/ and experiments/")
        self._index = _index if _index is not None else JobIndex(self.workdir)
        if _rows is None:
            _rows = list(self._index.rows().values())
            settle_states(_rows)
            _rows.sort(key=lambda r: (r.submitted or 0, r.type_id, r.identifier))
            if experiment is not None:
                _rows = [r for r in _rows if experiment in r.experiments]
        self._rows = _rows

    # -- narrowing ----------------------------------------------------------------------

    def filter(self, task: Union[None, str, type, Sequence] = None,
               tags: Optional[Dict[str, Any]] = None,
               state: Union[None, str, Sequence[str]] = None,
               experiment: Union[None, str, Sequence[str]] = None,
               where: Union[None, str, Callable[[JobRow], bool]] = None) -> "Results":
        """The jobs that match every criterion given:

        - ``task``: a class, its type id or qualified name, its last part (``train``),
          or a list of them;
        - ``tags``: name → value (or a list of accepted values), compared as ``jobs
          --filter`` does (numbers as numbers);
        - ``state``: done, failed, running, queued, pending, a failure reason, or a list;
        - ``experiment``: the name of an experiment that used the job (or a list);
        - ``where``: a ``jobs --filter`` expression (``metric.accuracy >= 0.8 and
          param.model.hidden = 64``) or a function of a job row.
        """
        tests: List[Callable[[JobRow], bool]] = []
        if task is not None:
            tests.append(_task_test(task))
        for name, accepted in (tags or {}).items():
            tests.append(_tag_test(name, accepted))
        if state is not None:
            tests.append(_state_test(state))
        if experiment is not None:
            names = {experiment} if isinstance(experiment, str) else set(experiment)
            tests.append(lambda row: bool(names & row.experiments))
        if where is not None:
            if isinstance(where, str):
                parsed = parse_filter(where)
                if parsed is not None and parsed.details:
                    self._index.load_details(self._rows)
                if parsed is not None:
                    tests.append(parsed)
            elif callable(where):
                self._index.load_details(self._rows)
                tests.append(where)
            else:
                raise TypeError(f"Results.filter(where=...): a filter expression or a"
                                f" function of a job, got {type(where).__name__}")
        rows = [row for row in self._rows if all(test(row) for test in tests)]
        return Results(self.workdir, _rows=rows, _index=self._index)

    # -- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[JobRow]:
        return iter(self.rows())

    def rows(self) -> List[JobRow]:
        """The job rows (see index.jobrow.JobRow), oldest first."""
        self._index.load_details(self._rows)
        return list(self._rows)

    def columns(self) -> List[str]:
        """Every column of the records: FIXED_COLUMNS, then tags, parameters and metrics
        (each group sorted)."""
        names = {"tag": set(), "param": set(), "metric": set()}
        for row in self.rows():
            names["tag"].update(row.tags)
            names["param"].update(row.params)
            names["metric"].update(row.metrics)
        return list(FIXED_COLUMNS) + [f"{group}.{name}" for group in ("tag", "param", "metric")
                                      for name in sorted(names[group])]

    def to_records(self, columns: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
        """One dict per job. ``columns``: the columns to keep, in order; a name may end
        with ``*`` (``metric.*``, ``tag.*``); a column a job lacks is None."""
        records = [record_of(row) for row in self.rows()]
        if columns is None:
            return records
        names = self.select_columns(columns)
        return [{name: record.get(name) for name in names} for record in records]

    def select_columns(self, patterns: Sequence[str]) -> List[str]:
        """The columns named by ``patterns`` (exact names, or ``*`` patterns), in order;
        an exact name that no job has is kept (its values are None), a pattern that
        matches nothing is dropped."""
        known = self.columns()
        selected: List[str] = []
        for pattern in patterns:
            if any(c in pattern for c in "*?["):
                matches = [name for name in known if fnmatch.fnmatchcase(name, pattern)]
            else:
                matches = [pattern]
            selected += [name for name in matches if name not in selected]
        return selected

    def series(self, metric: str) -> List[Dict[str, Any]]:
        """Every recorded value of ``metric`` of every job (read from the job folders):
        records with id, task, the tags, step, value and time."""
        out = []
        for row in self.rows():
            base = {"id": row.identifier, "task": row.task or row.type_id}
            base.update((f"tag.{k}", v) for k, v in row.tags.items())
            for step, value, when in row.series(metric):
                out.append({**base, "step": step, "value": value, "time": when})
        return out

    def to_csv(self, path: Union[None, str, Path, io.TextIOBase] = None,
               columns: Optional[Sequence[str]] = None) -> Optional[str]:
        """Write the records as CSV to ``path`` (a file name or an open text file); with
        no path, return the text."""
        names = self.select_columns(columns) if columns is not None else self.columns()
        records = self.to_records(names)
        out = io.StringIO() if path is None else None
        handle = out if out is not None else (
            path if hasattr(path, "write") else open(path, "w", newline=""))
        try:
            writer = csv.writer(handle)
            writer.writerow(names)
            for record in records:
                writer.writerow([_csv_value(record.get(name)) for name in names])
        finally:
            if out is None and not hasattr(path, "write"):
                handle.close()
        return out.getvalue() if out is not None else None

    def to_dataframe(self, columns: Optional[Sequence[str]] = None):
        """A pandas DataFrame, one row per job (times as datetimes in UTC, duration as
        seconds); needs pandas: ``pip install experimaestro[results]``."""
        try:
            import pandas  # (optional, and heavy: only when asked for a DataFrame)
        except ImportError:
            raise ImportError("Results.to_dataframe() needs pandas: pip install"
                              " 'experimaestro[results]' (or pandas)") from None
        names = self.select_columns(columns) if columns is not None else self.columns()
        frame = pandas.DataFrame.from_records(self.to_records(names), columns=names)
        for name in _TIMES:
            if name in frame:
                frame[name] = pandas.to_datetime(frame[name], unit="s", utc=True)
        return frame

    def close(self):
        """Close the connection to the index (Results narrowed from this one share it);
        the rows already read stay usable, their details too once loaded."""
        self._index.close()

    def __enter__(self) -> "Results":
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"Results({self.workdir}, {len(self._rows)} jobs)"


def _csv_value(value) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "" if value is None else value


def _task_test(task) -> Callable[[JobRow], bool]:
    names = [task] if isinstance(task, (str, type)) else list(task)
    accepted: List[str] = []
    for name in names:
        if isinstance(name, type):
            xpmtype = getattr(name, "__xpmtype__", None)
            if xpmtype is None:
                raise TypeError(f"Results.filter(task=...): {name.__qualname__} is not a"
                                " configuration or task class")
            accepted.append(str(xpmtype.identifier).lower())
            accepted.append(f"{name.__module__}.{name.__qualname__}".lower())
        else:
            accepted.append(str(name).lower())
    type_field = field_for("type")

    def test(row: JobRow) -> bool:
        task_name = (row.task or "").lower()
        return any(type_field.equals(row, name) or task_name == name
                   or task_name.endswith("." + name) for name in accepted)
    return test


def _tag_test(name: str, accepted) -> Callable[[JobRow], bool]:
    values = accepted if isinstance(accepted, (list, tuple, set)) else [accepted]
    field = field_for(f"tag.{name}")
    texts = [_as_text(v) for v in values]
    return lambda row: any(field.equals(row, text) for text in texts)


def _as_text(value) -> str:
    """A Python value as the text the filter compares (True → "true")."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _state_test(state) -> Callable[[JobRow], bool]:
    states = [state] if isinstance(state, str) else list(state)
    for name in states:
        if canonical_state(name) is None:
            raise ValueError(f"Results.filter(state={name!r}): unknown state; the states"
                             f" are {', '.join(STATE_NAMES)}")
    field = field_for("state")
    return lambda row: any(field.equals(row, name) for name in states)
