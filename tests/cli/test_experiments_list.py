"""`experimaestro experiments list` on workspaces made by real runs (and run folders
written as 2.x writes them)."""

import fcntl
import json
import platform
import shutil
import signal

import fasteners
import pytest

from .helpers import copy_example, jobs_json, out, start_waiting_run, wait_for, xpm


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Experiment `powers`, two runs: x=1,5, then x=1..4 with x=2 failing (in this order:
    the history of the settings removes a failed run older than a completed one)."""
    root = tmp_path_factory.mktemp("xplist")
    yaml_file = copy_example(root / "xp")
    ws = root / "ws"
    result = xpm("run-experiment", "--workdir", ws, "-c", "values=[1, 5]", yaml_file, cwd=root)
    assert result.returncode == 0, out(result)
    result = xpm("run-experiment", "--workdir", ws, "-c", "fail_on=2", yaml_file, cwd=root)
    assert result.returncode == 1, out(result)
    return ws


def _list(ws, *args):
    result = xpm("experiments", "list", "--workdir", ws, *args, cwd=ws.parent)
    assert result.returncode == 0, out(result)
    return result


def _runs(ws, *args):
    return json.loads(_list(ws, "--json", *args).stdout)


def test_current_run_of_each_experiment(workspace):
    [run] = _runs(workspace)
    assert run["experiment"] == "powers" and run["current"]
    assert run["host"] == platform.node()
    assert run["status"] == "failed"
    assert run["jobs"] == {"total": 4, "done": 3, "failed": 1, "running": 0, "queued": 0,
                           "pending": 0, "missing": 0}
    assert (workspace / "experiments" / "powers" / "current").resolve().name == run["run"]
    assert run["started"] <= run["ended"]


def test_every_run(workspace):
    first, second = _runs(workspace, "--runs")
    assert first["run"] < second["run"] and second["current"] and not first["current"]
    assert first["status"] == "done"
    assert first["jobs"]["total"] == 2 and first["jobs"]["done"] == 2
    assert first["jobs"]["failed"] == 0


def test_table(workspace):
    lines = _list(workspace).stdout.splitlines()
    assert lines[0].split() == ["EXPERIMENT", "RUN", "HOST", "STARTED", "STATUS", "JOBS"]
    assert len(lines) == 2 and lines[1].startswith("powers ")
    assert lines[1].endswith("failed  4 (3 done, 1 failed)")
    every = _list(workspace, "--runs").stdout.splitlines()
    assert len(every) == 4 and every[-1] == "(* the current run)"
    assert "done    2 (2 done)" in every[1] and " * " in every[2]


def test_named_experiments(workspace):
    assert [r["experiment"] for r in _runs(workspace, "powers")] == ["powers"]
    result = xpm("experiments", "list", "--workdir", workspace, "nope", cwd=workspace.parent)
    assert result.returncode == 2 and "no experiment 'nope'" in result.stderr
    assert "known: powers" in result.stderr


def test_group_options_and_empty_workspace(workspace, tmp_path):
    result = xpm("experiments", "--workdir", workspace, "list", "--json",
                 cwd=workspace.parent)
    assert result.returncode == 0 and len(json.loads(result.stdout)) == 1
    (tmp_path / "ws" / "jobs").mkdir(parents=True)
    result = xpm("experiments", "list", "--workdir", tmp_path / "ws", cwd=tmp_path)
    assert result.returncode == 0 and "No experiment run in" in result.stderr
    result = xpm("experiments", "list", "--workdir", tmp_path, cwd=tmp_path)
    assert result.returncode == 1 and "is not an experimaestro workspace" in result.stderr


def _run_folder(ws, name, run_id, status_json=None, environment=None):
    run = ws / "experiments" / name / run_id
    run.mkdir(parents=True)
    (ws / "jobs").mkdir(exist_ok=True)
    if status_json is not None:
        (run / "status.json").write_text(json.dumps(status_json))
    if environment is not None:
        (run / "environment.json").write_text(json.dumps(environment))
    return run


def test_records_of_2x_and_unfinished_runs(tmp_path):
    ws = tmp_path / "ws"
    # 2.x's environment.json (no status.json): its "run" record, "completed" for done
    _run_folder(ws, "old", "20260101_100000", environment={
        "run": {"hostname": "cluster", "started_at": "2026-01-01T10:00:00.5",
                "ended_at": "2026-01-01T11:00:00", "status": "completed"}})
    # Says it runs, but nobody holds the experiment's lock: it ended without a record
    _run_folder(ws, "crashed", "20260102_100000", status_json={
        "hostname": "node1", "started_at": "2026-01-02T10:00:00", "status": "running"})
    # No record at all: the start comes from the run id
    _run_folder(ws, "bare", "20260103_100000")
    # A damaged record is reported, not hidden
    run = _run_folder(ws, "damaged", "20260104_100000")
    (run / "status.json").write_text("{not json")
    result = xpm("experiments", "list", "--workdir", ws, "--json", cwd=tmp_path)
    assert result.returncode == 0, out(result)
    runs = {r["experiment"]: r for r in json.loads(result.stdout)}
    assert (runs["old"]["host"], runs["old"]["status"]) == ("cluster", "done")
    assert runs["old"]["started"] == "2026-01-01T10:00:00.5"
    assert (runs["crashed"]["host"], runs["crashed"]["status"]) == ("node1", "unfinished")
    assert runs["bare"]["started"] == "2026-01-03T10:00:00"
    assert runs["bare"]["host"] is None and runs["bare"]["status"] == "unfinished"
    assert "warning:" in result.stderr and "damaged" in result.stderr
    assert "status.json: cannot be read" in result.stderr
    table = xpm("experiments", "list", "--workdir", ws, cwd=tmp_path).stdout
    assert "old         20260101_100000  cluster  2026-01-01 10:00:00  done" in table


@pytest.mark.parametrize("kind", ["lockf", "flock"])
def test_running_when_its_lock_is_held(tmp_path, kind):
    """Ours holds the experiment's lock with lockf, 2.x with flock: either means running."""
    ws = tmp_path / "ws"
    _run_folder(ws, "live", "20260102_100000", status_json={
        "hostname": "node1", "started_at": "2026-01-02T10:00:00", "status": "running"})
    (ws / "experiments" / "live" / "current").symlink_to("20260102_100000")
    lockfile = ws / "experiments" / "live" / "lock"
    if kind == "lockf":
        lock = fasteners.InterProcessLock(str(lockfile))
        assert lock.acquire(blocking=False)
        release = lock.release
    else:
        f = open(lockfile, "a")
        fcntl.flock(f, fcntl.LOCK_EX)
        release = f.close
    try:
        [run] = json.loads(xpm("experiments", "list", "--workdir", ws, "--json",
                               cwd=tmp_path).stdout)
        assert run["status"] == "running"
    finally:
        release()
    [run] = json.loads(xpm("experiments", "list", "--workdir", ws, "--json",
                           cwd=tmp_path).stdout)
    assert run["status"] == "unfinished"


def test_running_interrupted_and_missing_jobs(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    release = tmp_path / "release"
    driver = start_waiting_run(yaml_file, ws, release, "[5]", cwd=tmp_path)
    try:
        [run] = json.loads(xpm("experiments", "list", "--workdir", ws, "--json",
                               cwd=tmp_path).stdout)
        assert run["status"] == "running" and run["jobs"]["running"] == 1
        driver.send_signal(signal.SIGINT)
        driver.communicate(timeout=120)
    finally:
        release.touch()
        if driver.poll() is None:
            driver.kill()
            driver.communicate()
    [run] = json.loads(xpm("experiments", "list", "--workdir", ws, "--json",
                           cwd=tmp_path).stdout)
    assert run["status"] == "interrupted"
    wait_for(lambda: jobs_json(ws, cwd=tmp_path)[0]["state"] == "done", what="the job to end")
    # A job folder removed since: counted as missing
    shutil.rmtree(jobs_json(ws, cwd=tmp_path)[0]["path"])
    [run] = json.loads(xpm("experiments", "list", "--workdir", ws, "--json",
                           cwd=tmp_path).stdout)
    assert run["jobs"]["missing"] == 1 and run["jobs"]["total"] == 1
    assert "1 (1 missing)" in xpm("experiments", "list", "--workdir", ws, cwd=tmp_path).stdout
