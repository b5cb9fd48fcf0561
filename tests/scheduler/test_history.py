"""`history` of the settings: the old runs of an experiment are removed when a run ends,
as experimaestro 2.7.0 does (the newest max_done completed and max_failed failed runs
are kept, counting the run that ended; a failure older than a success goes); job folders
are never touched."""

import json
import os

import pytest

from experimaestro import FailedExperiment, experiment
from experimaestro.scheduler.history import run_order, run_status, runs_to_remove
from experimaestro.settings import HistorySettings, WorkspaceSettings
from xpm_fixtures.tasks import Add, Fail


def make_run(base, name, status, writer="ours"):
    run = base / name
    (run / "jobs").mkdir(parents=True)
    if writer == "ours":
        (run / "environment.json").write_text(json.dumps({"status": status}))
    else:  # as 2.x writes it
        (run / "environment.json").write_text(json.dumps({"run": {"status": status}}))
    return run


def names(paths):
    return [p.name for p in paths]


def test_the_sequence_measured_on_2_7_0(tmp_path):
    """2.7.0 with max_done=2, max_failed=1 (tests/test_settings_2x.py runs it): after a
    success then two failures, the older failure goes; after the next success both
    failures go; after two more failures, the older one goes."""
    history = HistorySettings(max_done=2, max_failed=1)
    make_run(tmp_path, "20260101_100000", "done")
    make_run(tmp_path, "20260101_100001", "failed")
    make_run(tmp_path, "20260101_100002", "failed")
    assert names(runs_to_remove(tmp_path, "20260101_100002", "failed", history)) == \
        ["20260101_100001"]
    (tmp_path / "20260101_100001" / "environment.json").unlink()  # gone: unknown now
    make_run(tmp_path, "20260101_100003", "done")
    assert names(runs_to_remove(tmp_path, "20260101_100003", "done", history)) == \
        ["20260101_100002"]


def test_counts_and_order(tmp_path):
    for i, status in enumerate(["done", "done", "failed", "done", "failed", "done"]):
        make_run(tmp_path, f"20260101_10000{i}", status)
    make_run(tmp_path, "20260101_100009.1", "done")  # same second as 100009: after it
    make_run(tmp_path, "20260101_100009", "done")
    current = "20260101_100009.1"
    # every failure is older than a success; 3 completed kept, counting the current one
    assert names(runs_to_remove(tmp_path, current, "done", HistorySettings(3, 5))) == \
        ["20260101_100000", "20260101_100001", "20260101_100002", "20260101_100003",
         "20260101_100004"]
    # the run that ended is never removed, even with max_done: 0
    assert current not in names(runs_to_remove(tmp_path, current, "done",
                                               HistorySettings(0, 0)))


def test_runs_of_unknown_end_and_other_entries_are_kept(tmp_path):
    make_run(tmp_path, "20260101_100000", "running")  # a driver that died
    make_run(tmp_path, "20260101_100001", "detached", writer="2.x")
    (tmp_path / "20260101_100002").mkdir()  # no environment.json
    make_run(tmp_path, "notes", "done")  # not a run folder name
    make_run(tmp_path, "20260101_100003", "done")
    os.symlink("20260101_100003", tmp_path / "current")
    (tmp_path / "lock").touch()
    assert runs_to_remove(tmp_path, "20260101_100003", "done", HistorySettings(0, 0)) == []


def test_runs_written_by_2x_are_read(tmp_path):
    assert run_status(make_run(tmp_path, "a", "completed", writer="2.x")) == "completed"
    assert run_status(make_run(tmp_path, "b", "failed", writer="2.x")) == "failed"
    legacy = tmp_path / "c"
    legacy.mkdir()
    (legacy / "status.json").write_text(json.dumps({"status": "done"}))
    assert run_status(legacy) == "completed"
    # ours: a run stopped by Ctrl-C did not complete (2.x records it as failed)
    assert run_status(make_run(tmp_path, "d", "interrupted")) == "failed"
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "environment.json").write_text("{not json")
    assert run_status(tmp_path / "e") is None


@pytest.fixture
def config(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("XPM_CONFIG_DIR", str(config))
    return config / "settings.yaml"


def runs(ws, name):
    base = ws / "experiments" / name
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.is_symlink())


def test_experiments_keep_the_top_level_history(tmp_path, config):
    config.write_text("history: {max_done: 2, max_failed: 1}\n")
    ws = tmp_path / "ws"
    jobs = []
    for x in range(4):
        with experiment(ws, "xp") as xp:
            task = Add.C(x=x)
            task.submit()
            jobs.append(task.__xpm__.job)
        last = xp.run_path
    kept = runs(ws, "xp")
    # runs started in the same second are named .1, .2...: never before a removed one
    assert len(kept) == 2 and max(kept, key=lambda p: run_order(p.name)) == last
    assert (ws / "experiments" / "xp" / "current").resolve() == last
    # the jobs of the removed runs are intact: links were removed, not followed
    for job in jobs:
        assert job.donepath.exists() and (job.path / "result.txt").exists()


def test_a_failed_run_and_the_workspace_history(tmp_path, config):
    ws = tmp_path / "ws"
    config.write_text(f"history: {{max_done: 5, max_failed: 3}}\n"
                      f"workspaces:\n  - id: main\n    path: {ws}\n"
                      f"    history: {{max_done: 1}}\n")
    from experimaestro.settings import get_settings

    main = get_settings().workspace("main")
    assert main.history == HistorySettings(max_done=1, max_failed=3)
    with experiment(main, "xp"):
        Add.C(x=1).submit()
    for x in range(2):
        with pytest.raises(FailedExperiment):
            with experiment(main, "xp"):
                Fail.C(x=x).submit()
    assert [run_status(r) for r in runs(ws, "xp")] == ["completed", "failed", "failed"]
    with experiment(main, "xp"):
        Add.C(x=2).submit()
    # the success removes the failures before it; max_done: 1 keeps only itself
    assert [run_status(r) for r in runs(ws, "xp")] == ["completed"]


def test_a_workspace_built_in_python_uses_the_top_level_history(tmp_path, config):
    config.write_text("history: {max_done: 1}\n")
    ws = WorkspaceSettings("py", path=tmp_path / "ws")
    for x in range(2):
        with experiment(ws, "xp"):
            Add.C(x=x).submit()
    assert len(runs(tmp_path / "ws", "xp")) == 1
