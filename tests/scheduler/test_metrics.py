"""Metrics and artifacts recorded by tasks (log_metric, log_artifact), in the job folder's
metrics.jsonl: real jobs, a job killed while it writes them, and bad values."""

import json

import pytest

from experimaestro import experiment, log_metric
from experimaestro.jobfolder import JobFolder
from xpm_fixtures.killed import kill_while_writing_metrics
from xpm_fixtures.tasks import Metrics


def test_a_job_records_its_metrics_and_artifacts(tmp_path):
    with experiment(tmp_path, "metrics"):
        task = Metrics.C(epochs=3)
        task.submit()
    records = task.__xpm__.job.folder.records()
    losses = [(r["step"], r["value"]) for r in records if r.get("metric") == "loss"]
    assert losses == [(0, 1.0), (1, 0.5), (2, 1 / 3)]
    assert [r["value"] for r in records if r.get("metric") == "accuracy"] == [0.9]
    [artifact] = [r for r in records if "artifact" in r]
    assert artifact == {"artifact": "model", "path": "model.txt", "time": artifact["time"]}
    assert all(r["time"] > 0 for r in records)


def test_a_job_killed_while_writing_leaves_a_readable_file(tmp_path):
    """SIGKILL at a random moment of a loop of writes: every whole line is read back; a
    cut line (injected as well, since the kill rarely falls inside a write) is skipped."""
    job = kill_while_writing_metrics(tmp_path)
    folder = job.folder
    records = folder.records()
    steps = [r["step"] for r in records if r.get("metric") == "loss"]
    assert len(steps) > 10 and steps == list(range(len(steps)))
    with open(folder.metrics, "ab") as f:
        f.write(b'{"metric": "loss", "val')  # a line cut by a kill
    assert folder.records() == records
    folder.append_record({"metric": "after", "value": 1})  # appending goes on after it
    assert folder.records() == records + [{"metric": "after", "value": 1}]


def test_a_new_attempt_starts_a_new_series(tmp_path):
    """A failed job run again: the records of the earlier attempt are kept aside."""
    with experiment(tmp_path, "again"):
        task = Metrics.C(epochs=2)
        task.submit()
    folder = task.__xpm__.job.folder
    folder.done.unlink()  # (as if it had failed)
    with experiment(tmp_path, "again"):
        Metrics.C(epochs=2).submit()
    assert [r["step"] for r in folder.records() if r.get("metric") == "loss"] == [0, 1]
    [earlier] = folder.metrics.parent.glob("metrics.*.jsonl")
    assert len(earlier.read_text().splitlines()) == 4


def test_bad_values_are_refused_with_the_metric_name(tmp_path):
    with pytest.raises(TypeError, match=r"log_metric\('loss'\): the value must be a number,"
                                        r" got str 'high'"):
        log_metric("loss", "high")
    with pytest.raises(ValueError, match=r"log_metric\('loss'\): nan is not a finite"):
        log_metric("loss", float("nan"))
    with pytest.raises(TypeError, match=r"step must be a whole number >= 0, got -1"):
        log_metric("loss", 1.0, step=-1)
    with pytest.raises(TypeError, match=r"the name must be a non-empty string"):
        log_metric("", 1.0)


def test_outside_a_job_nothing_is_recorded_and_it_says_so():
    import experimaestro.metrics as metrics

    metrics._warned.clear()
    with pytest.warns(RuntimeWarning, match=r"outside a job .*nothing is recorded"):
        log_metric("loss", 1.0)


def test_records_are_json_lines(tmp_path):
    folder = JobFolder(tmp_path / "jobs" / "my.task" / "ab", "task")
    folder.append_record({"metric": "m", "value": 2, "step": None, "time": 1.0})
    assert json.loads(folder.metrics.read_text()) == {"metric": "m", "value": 2,
                                                      "step": None, "time": 1.0}
