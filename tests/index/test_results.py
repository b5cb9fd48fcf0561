"""experimaestro.Results on a workspace of real jobs (tests/index/helpers.py): filters,
rows, records, CSV, DataFrame, series, and its error messages."""

import csv
import io
from pathlib import Path

import pytest

from experimaestro import Results, experiment
from experimaestro.index.filter import FilterError
from xpm_fixtures.killed import kill_while_writing_metrics
from xpm_fixtures.tasks import MLP, Add, Fail, Fit

from .helpers import SWEEP, fit


def ids(results):
    return {row.identifier for row in results.rows()}


def job_ids(jobs, *names):
    return {jobs[name].identifier for name in names}


FITS = ("fit-0.1-64", "fit-0.01-64", "fit-0.01-32", "diverged", "small")


# -- filters ------------------------------------------------------------------------


def test_all_jobs_oldest_first(shared):
    ws, jobs = shared
    results = Results(ws)
    assert len(results) == 7 and ids(results) == {j.identifier for j in jobs.values()}
    submitted = [row.submitted for row in results]
    assert submitted == sorted(submitted)


def test_filter_by_task(shared):
    ws, jobs = shared
    results = Results(ws)
    fits = job_ids(jobs, *FITS)
    assert ids(results.filter(task=Fit)) == fits
    assert ids(results.filter(task="xpm_fixtures.tasks.fit")) == fits  # the type id
    assert ids(results.filter(task="xpm_fixtures.tasks.Fit")) == fits  # the class name
    assert ids(results.filter(task="fit")) == fits  # its last part, in any case
    assert ids(results.filter(task="FIT")) == fits
    assert ids(results.filter(task=[Fail, "add"])) == job_ids(jobs, "fail", "add")
    assert len(results.filter(task="tasks")) == 0  # (a last part, not any part)
    assert len(results.filter(task="it")) == 0


def test_filter_by_tags(shared):
    ws, jobs = shared
    results = Results(ws)
    assert ids(results.filter(tags={"lr": 0.01})) == job_ids(jobs, "fit-0.01-64",
                                                              "fit-0.01-32")
    # numbers compare as numbers, whatever their spelling
    assert ids(results.filter(tags={"lr": "0.010"})) == job_ids(jobs, "fit-0.01-64",
                                                                 "fit-0.01-32")
    assert ids(results.filter(tags={"hidden": "64.0"})) == job_ids(jobs, "fit-0.1-64",
                                                                    "fit-0.01-64", "diverged")
    # a list of accepted values
    assert ids(results.filter(tags={"lr": [0.1, 0.5]})) == job_ids(jobs, "fit-0.1-64", "small")
    # every tag given must match
    assert ids(results.filter(tags={"lr": 0.01, "hidden": 32})) == job_ids(jobs, "fit-0.01-32")
    assert ids(results.filter(tags={"opt": "adam"})) == job_ids(
        jobs, "fit-0.1-64", "fit-0.01-64", "fit-0.01-32")
    assert len(results.filter(tags={"lr": 0.2})) == 0
    assert len(results.filter(tags={"nosuchtag": 1})) == 0


def test_filter_by_state(shared):
    ws, jobs = shared
    results = Results(ws)
    done = job_ids(jobs, "fit-0.1-64", "fit-0.01-64", "fit-0.01-32", "small")
    failed = job_ids(jobs, "diverged", "fail", "add")
    assert ids(results.filter(state="done")) == done
    assert ids(results.filter(state="failed")) == failed
    assert ids(results.filter(state="DONE")) == done
    assert ids(results.filter(state="error")) == failed  # (2.x's name)
    # a failure reason: the failed jobs with that reason
    assert ids(results.filter(state="dependency")) == job_ids(jobs, "add")
    assert ids(results.filter(state=["dependency", "done"])) == done | job_ids(jobs, "add")
    assert len(results.filter(state="running")) == 0
    add = results.filter(state="dependency").rows()[0]
    assert add.reason == "dependency" and add.state_text == "failed (dependency)"
    diverged = results.filter(task=Fit, state="failed").rows()[0]
    assert diverged.reason == "failed" and "the loss diverged" in diverged.message


def test_filter_by_experiment(shared):
    ws, jobs = shared
    results = Results(ws)
    assert ids(results.filter(experiment="other")) == job_ids(jobs, "fail", "add", "small")
    assert len(results.filter(experiment=["sweep", "other"])) == 7
    assert len(results.filter(experiment="nosuch")) == 0
    assert {row.identifier: row.experiments for row in results.filter(experiment="sweep")} \
        == {job.identifier: {"sweep"} for name, job in jobs.items()
            if name.startswith("fit-") or name == "diverged"}


def test_filter_with_an_expression_or_a_function(shared):
    ws, jobs = shared
    results = Results(ws)
    assert ids(results.filter(where="metric.accuracy >= 0.9")) == job_ids(
        jobs, "fit-0.1-64", "fit-0.01-64")
    assert ids(results.filter(where="metric.accuracy > 0.9")) == job_ids(jobs, "fit-0.01-64")
    assert ids(results.filter(where="metric.accuracy < 0.5")) == job_ids(jobs, "small")
    # a job without the metric never compares (the diverged one has only a loss)
    assert ids(results.filter(where="metric.loss >= 5")) == job_ids(jobs, "diverged")
    assert ids(results.filter(where="param.model.hidden = 64")) == job_ids(
        jobs, "fit-0.1-64", "fit-0.01-64", "diverged")
    assert ids(results.filter(where="param.model = xpm_fixtures.tasks.MLP and"
                                    " param.model.hidden <= 32")) == job_ids(
        jobs, "fit-0.01-32", "small")
    assert ids(results.filter(where="param.lr = 0.01 and not state=failed")) == job_ids(
        jobs, "fit-0.01-64", "fit-0.01-32")
    assert ids(results.filter(where="lr = 0.5 or tag.lr = 1")) == job_ids(
        jobs, "small", "diverged")  # (a bare key is a tag)
    assert ids(results.filter(where=lambda row: row.metrics.get("loss", 0) > 1)) == \
        job_ids(jobs, "diverged", "small")
    assert ids(results.filter(where=lambda row: row.params.get("x") == 1)) == \
        job_ids(jobs, "fail")
    assert len(results.filter(where="  ")) == 7  # (no filter)


def test_filters_chain(shared):
    ws, jobs = shared
    fits = Results(ws).filter(task=Fit)
    done = fits.filter(state="done")
    assert len(fits) == 5 and len(done) == 4  # (each filter gives new Results)
    best = done.filter(where="param.model.hidden = 64").filter(tags={"lr": 0.01})
    assert ids(best) == job_ids(jobs, "fit-0.01-64")
    assert len(done.filter(experiment="other").filter(where="metric.accuracy > 0.5")) == 0


# -- rows and what they hold --------------------------------------------------------


def test_rows_hold_what_the_jobs_did(shared):
    ws, jobs = shared
    [row] = Results(ws).filter(tags={"lr": 0.1, "hidden": 64}).rows()
    job = jobs["fit-0.1-64"]
    assert row.identifier == job.identifier and row.type_id == "xpm_fixtures.tasks.fit"
    assert row.task == "xpm_fixtures.tasks.Fit"
    assert row.state == "done" and row.reason is None
    assert row.tags == {"lr": 0.1, "hidden": 64, "opt": "adam"}
    assert row.experiments == {"sweep"}
    assert row.path == job.path
    # the parameters, flattened: the nested configuration's class at its own key
    assert row.params == {"lr": 0.1, "model": "xpm_fixtures.tasks.MLP", "model.hidden": 64,
                          "steps": 3, "diverge": False}
    # the last value of each metric: by the highest step (val: step 10, recorded first)
    assert row.metrics == {"loss": pytest.approx(1 / 3, abs=1e-6), "val": 0.5,
                           "accuracy": 0.9}
    assert row.submitted <= row.started <= row.ended
    assert row.duration == pytest.approx(row.ended - row.started)
    # the times are those of the job folder
    assert row.ended == pytest.approx((job.path / "fit.done").stat().st_mtime)


def test_rows_of_failed_and_never_run_jobs(shared):
    ws, jobs = shared
    results = Results(ws)
    [diverged] = results.filter(tags={"lr": 1.0}).rows()
    assert diverged.metrics == {"loss": 10.0}  # what it recorded before failing
    assert diverged.submitted <= diverged.started <= diverged.ended
    [add] = results.filter(task=Add).rows()
    assert add.started is None and add.duration is None  # it never ran
    assert add.ended is not None and add.params["previous"] == "xpm_fixtures.tasks.Value"
    assert add.params["previous.x"] == 1 and add.metrics == {}


def test_series_of_a_metric(shared):
    ws, jobs = shared
    series = Results(ws).filter(task=Fit, tags={"hidden": 32}).series("loss")
    assert [(s["step"], s["value"]) for s in series] == [(0, 0.1), (1, 0.05),
                                                         (2, pytest.approx(0.033333))]
    assert {s["id"] for s in series} == job_ids(jobs, "fit-0.01-32")
    assert all(s["tag.lr"] == 0.01 and s["task"] == "xpm_fixtures.tasks.Fit" and s["time"] > 0
               for s in series)
    val = Results(ws).filter(tags={"hidden": 32}).series("val")
    assert [(s["step"], s["value"]) for s in val] == [(10, 0.5), (5, 0.25)]  # as recorded
    assert Results(ws).filter(task=Fail).series("loss") == []
    assert len(Results(ws).filter(task=Fit).series("loss")) == 3 * 4 + 1


# -- records, CSV, DataFrame ---------------------------------------------------------


def test_columns_and_records(shared):
    ws, jobs = shared
    results = Results(ws).filter(task=Fit)
    columns = results.columns()
    assert columns[:11] == ["id", "task", "type", "state", "reason", "submitted", "started",
                            "ended", "duration", "experiments", "path"]
    assert columns[11:] == ["tag.hidden", "tag.lr", "tag.opt", "param.diverge", "param.lr",
                            "param.model", "param.model.hidden", "param.steps",
                            "metric.accuracy", "metric.loss", "metric.val"]
    records = results.to_records(["id", "tag.*", "metric.acc*", "param.model*", "nosuch",
                                  "nosuch.*"])
    assert list(records[0]) == ["id", "tag.hidden", "tag.lr", "tag.opt", "metric.accuracy",
                                "param.model", "param.model.hidden", "nosuch"]
    by_id = {r["id"]: r for r in records}
    assert by_id[jobs["fit-0.01-32"].identifier] == {
        "id": jobs["fit-0.01-32"].identifier, "tag.hidden": 32, "tag.lr": 0.01,
        "tag.opt": "adam", "metric.accuracy": 0.89, "param.model": "xpm_fixtures.tasks.MLP",
        "param.model.hidden": 32, "nosuch": None}
    # a column a job lacks is None
    small = by_id[jobs["small"].identifier]
    assert small["tag.opt"] is None and small["metric.accuracy"] == 0.4
    assert by_id[jobs["diverged"].identifier]["metric.accuracy"] is None
    # without columns: every column the job has
    full = {r["id"]: r for r in results.to_records()}[jobs["small"].identifier]
    assert full["state"] == "done" and full["experiments"] == "other"
    assert full["path"] == str(jobs["small"].path) and "tag.opt" not in full
    assert full["duration"] == pytest.approx(full["ended"] - full["started"])


def test_csv(shared, tmp_path):
    ws, jobs = shared
    results = Results(ws).filter(task=Fit, state="done")
    text = results.to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == results.columns()
    assert len(rows) == 4
    by_id = {r["id"]: r for r in rows}
    row = by_id[jobs["fit-0.01-64"].identifier]
    assert float(row["metric.accuracy"]) == 0.99 and row["param.model.hidden"] == "64"
    assert row["tag.lr"] == "0.01" and row["state"] == "done"
    assert by_id[jobs["small"].identifier]["tag.opt"] == ""  # (None: an empty cell)
    assert float(row["started"]) <= float(row["ended"])
    # to a file, with columns
    path = tmp_path / "out.csv"
    assert results.to_csv(path, columns=["id", "metric.*"]) is None
    with open(path, newline="") as f:
        saved = list(csv.reader(f))
    assert saved[0] == ["id", "metric.accuracy", "metric.loss", "metric.val"]
    assert {r[0]: float(r[1]) for r in saved[1:]} == {
        jobs[f"fit-{lr}-{h}"].identifier: acc for (lr, h), acc in SWEEP.items()} | {
        jobs["small"].identifier: 0.4}
    # to an open file
    out = io.StringIO()
    results.to_csv(out, columns=["id"])
    assert out.getvalue().splitlines()[0] == "id" and len(out.getvalue().splitlines()) == 5


def test_dataframe(shared):
    pandas = pytest.importorskip("pandas")
    ws, jobs = shared
    frame = Results(ws).filter(task=Fit).to_dataframe()
    assert list(frame.columns) == Results(ws).filter(task=Fit).columns()
    assert len(frame) == 5
    for name in ("submitted", "started", "ended"):
        assert pandas.api.types.is_datetime64_any_dtype(frame[name]), frame.dtypes
    assert pandas.api.types.is_float_dtype(frame["duration"])
    assert pandas.api.types.is_float_dtype(frame["metric.accuracy"])
    frame = frame.set_index("id")
    row = frame.loc[jobs["fit-0.1-64"].identifier]
    assert row["metric.accuracy"] == 0.9 and row["param.model.hidden"] == 64
    assert row["started"] <= row["ended"]
    assert abs((row["ended"] - row["started"]).total_seconds() - row["duration"]) < 1e-3
    # in UTC: the same instant as the job's time (seconds since the epoch)
    assert str(frame["ended"].dt.tz) == "UTC"
    with Results(ws) as results:  # (closes its index at the end of the block)
        ended = results.filter(task=Fit).to_records(["id", "ended"])
    [ended] = [r["ended"] for r in ended if r["id"] == row.name]
    assert abs(row["ended"].timestamp() - ended) < 1e-3
    assert pandas.isna(frame.loc[jobs["diverged"].identifier, "metric.accuracy"])
    # columns
    small = Results(ws).filter(task=Fit).to_dataframe(columns=["id", "metric.*"])
    assert list(small.columns) == ["id", "metric.accuracy", "metric.loss", "metric.val"]
    best = small.sort_values("metric.accuracy", ascending=False).iloc[0]
    assert best["id"] == jobs["fit-0.01-64"].identifier


# -- the jobs of one experiment -----------------------------------------------------


def test_results_of_a_running_experiment(tmp_path):
    with experiment(tmp_path, "first"):
        fit(0.1, 8).submit()
    with experiment(tmp_path, "second") as xp:
        task = fit(0.2, 8)
        task.submit()
        xp.wait()
        results = Results(xp)
        assert ids(results) == {task.__xpm__.job.identifier}
        [row] = results.rows()
        assert row.state == "done" and row.metrics["accuracy"] == pytest.approx(0.7)
        assert row.experiments == {"second"}
    assert len(Results(tmp_path)) == 2


# -- errors ---------------------------------------------------------------------------


def test_errors_say_what_is_wrong(shared, tmp_path):
    ws, _ = shared
    results = Results(ws)
    with pytest.raises(ValueError, match=r"state='finished'\): unknown state; the states are"
                                         r" done, failed, running, queued, pending, timeout"):
        results.filter(state="finished")
    with pytest.raises(ValueError, match=r"unknown state"):
        results.filter(state=["done", "over"])
    with pytest.raises(TypeError, match=r"task=\.\.\.\): Path is not a configuration or task"
                                        r" class"):
        results.filter(task=Path)
    with pytest.raises(TypeError, match=r"where=\.\.\.\): a filter expression or a function"
                                        r" of a job, got int"):
        results.filter(where=3)
    with pytest.raises(FilterError, match=r"expected a value \(a word or a quoted string\),"
                                          r" got the end at position 18"):
        results.filter(where="metric.accuracy >")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"empty: not a workspace \(no jobs/ folder\)"):
        Results(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match=r"not a workspace"):
        Results(tmp_path / "nosuch")
    assert MLP  # (a configuration class is accepted, and matches no job)
    assert len(results.filter(task=MLP)) == 0


def test_a_job_killed_while_writing_metrics(tmp_path):
    """SIGKILL while the job appends to metrics.jsonl (as tests/scheduler/test_metrics.py),
    then a line cut by the kill: its row shows the last whole value of each metric."""
    job = kill_while_writing_metrics(tmp_path)
    folder = job.folder
    with open(folder.metrics, "ab") as f:
        f.write(b'{"metric": "loss", "value": 0.0000')  # a line cut by a kill
    steps = [r["step"] for r in folder.records() if r.get("metric") == "loss"]
    assert len(steps) > 10 and steps == list(range(len(steps)))
    [row] = Results(tmp_path).rows()
    assert row.state == "failed" and row.reason == "killed", (row.reason, row.message)
    assert row.metrics == {"loss": pytest.approx(1 / (steps[-1] + 1))}
    series = Results(tmp_path).series("loss")
    assert [s["step"] for s in series] == steps
    record = Results(tmp_path).filter(state="killed").to_records(["metric.loss"])
    assert record == [{"metric.loss": row.metrics["loss"]}]
