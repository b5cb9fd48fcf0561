"""`experimaestro results` and `experimaestro workspace reindex`, run as a user runs them,
on the workspace of real jobs of tests/index/helpers.py."""

import csv
import io
import json

from cli.helpers import out, xpm

from .helpers import SWEEP


def results(ws, *args, cwd):
    result = xpm("results", "--workdir", ws, *args, cwd=cwd)
    assert result.returncode == 0, out(result)
    return result.stdout


def test_results_as_a_table(shared, tmp_path):
    ws, jobs = shared
    text = results(ws, "--type", "fit", "--state", "done", cwd=tmp_path)
    header, *lines = text.splitlines()
    # the default columns: id, task, state, duration, tags and metrics (their short names)
    assert header.split() == ["id", "task", "state", "duration", "hidden", "lr", "opt",
                              "accuracy", "loss", "val"]
    assert len(lines) == 4
    cells = {line.split()[0]: line.split() for line in lines}
    row = cells[jobs["fit-0.01-32"].identifier]  # (full ids: the output is not a terminal)
    assert row[1:4] == ["xpm_fixtures.tasks.Fit", "done", row[3]] and row[3].endswith("s")
    assert row[4:] == ["32", "0.01", "adam", "0.89", "0.033333", "0.5"]
    assert cells[jobs["small"].identifier][4:] == ["16", "0.5", "-", "0.4", "1.66667", "0.5"]


def test_results_as_csv_and_json(shared, tmp_path):
    ws, jobs = shared
    text = results(ws, "--format", "csv", "--columns", "id,state,tag.lr,param.model.*,metric.*",
                   "--experiment", "sweep", cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["id", "state", "tag.lr", "param.model.hidden", "metric.accuracy",
                             "metric.loss", "metric.val"]
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {j.identifier for n, j in jobs.items()
                          if n.startswith("fit-") or n == "diverged"}
    assert by_id[jobs["diverged"].identifier] == {
        "id": jobs["diverged"].identifier, "state": "failed", "tag.lr": "1.0",
        "param.model.hidden": "64", "metric.accuracy": "", "metric.loss": "10.0",
        "metric.val": ""}

    records = json.loads(results(ws, "--format", "json", "--columns", "id,task,tag.*,ended",
                                 "--state", "failed", cwd=tmp_path))
    assert {r["id"] for r in records} == {jobs[n].identifier for n in ("diverged", "fail", "add")}
    # (the tags of the jobs selected: none of them has `opt`)
    assert all(list(r) == ["id", "task", "tag.hidden", "tag.lr", "ended"] for r in records)
    by_id = {r["id"]: r for r in records}
    assert by_id[jobs["fail"].identifier]["task"] == "xpm_fixtures.tasks.Fail"
    assert by_id[jobs["fail"].identifier]["tag.lr"] is None
    assert isinstance(by_id[jobs["add"].identifier]["ended"], float)


def test_results_with_a_filter_on_metrics_and_params(shared, tmp_path):
    ws, jobs = shared
    records = json.loads(results(ws, "--format", "json", "--filter",
                                 "task=fit and metric.accuracy >= 0.9", cwd=tmp_path))
    assert {r["id"] for r in records} == {jobs["fit-0.1-64"].identifier,
                                          jobs["fit-0.01-64"].identifier}
    assert sorted(r["metric.accuracy"] for r in records) == sorted(
        acc for acc in SWEEP.values() if acc >= 0.9)
    records = json.loads(results(ws, "--format", "json", "--columns", "id", "--filter",
                                 "param.model.hidden < 64 and metric.loss > 0.5", cwd=tmp_path))
    assert [r["id"] for r in records] == [jobs["small"].identifier]
    # 2.x's syntax too
    records = json.loads(results(ws, "--format", "json", "--columns", "id", "--filter",
                                 '@state = "done" and lr in ["0.5", "0.1"]', cwd=tmp_path))
    assert {r["id"] for r in records} == {jobs["small"].identifier,
                                          jobs["fit-0.1-64"].identifier}
    # nothing matches
    result = xpm("results", "--workdir", ws, "--filter", "metric.accuracy > 1", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "" and "No job" in result.stderr
    assert results(ws, "--format", "json", "--filter", "metric.accuracy > 1",
                   cwd=tmp_path).strip() == "[]"


def test_a_bad_filter_says_where(shared, tmp_path):
    ws, _ = shared
    result = xpm("results", "--workdir", ws, "--filter", "metric.accuracy >= 0.9 state=done",
                 cwd=tmp_path)
    assert result.returncode == 2, out(result)
    assert result.stdout == ""
    assert "Invalid value for --filter: expected `and`, `or` or the end, got 'state' at" \
           " position 24:\n  metric.accuracy >= 0.9 state=done\n" \
           "                         ^\n" in result.stderr, out(result)
    result = xpm("results", "--workdir", ws, "--filter", "metric.accuracy >=", cwd=tmp_path)
    assert result.returncode == 2, out(result)
    assert "expected a value (a word or a quoted string), got the end at position 19:\n" \
           "  metric.accuracy >=\n                    ^\n" in result.stderr, out(result)
    result = xpm("results", "--workdir", ws, "--state", "finished", cwd=tmp_path)
    assert result.returncode == 2 and "finished" in result.stderr, out(result)
    result = xpm("results", "--workdir", ws, "--format", "xml", cwd=tmp_path)
    assert result.returncode == 2 and "xml" in result.stderr, out(result)


def test_workspace_reindex(shared, tmp_path):
    ws, jobs = shared
    before = results(ws, "--format", "json", "--columns", "*", cwd=tmp_path)
    result = xpm("workspace", "reindex", "--workdir", ws, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    assert result.stdout.startswith(f"Indexed 7 jobs of {ws} in "), out(result)
    assert results(ws, "--format", "json", "--columns", "*", cwd=tmp_path) == before
    result = xpm("workspace", "reindex", "--workdir", tmp_path / "nosuch", cwd=tmp_path)
    assert result.returncode != 0 and "nosuch" in result.stderr, out(result)
