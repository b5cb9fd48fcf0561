"""The scheduler with real job processes, in temporary workspaces."""

import os

import pytest

from experimaestro import FailedExperiment, RunMode, experiment
from experimaestro.launchers.direct import DirectLauncher
from xpm_fixtures.tasks import Add, Env, Fail, Join, Resumable, Sleep

from .helpers import executions, intervals, max_overlap


def test_one_task(tmp_path):
    with experiment(tmp_path, "one"):
        task = Add.C(x=3)
        out = task.submit()
    job = task.__xpm__.job
    assert (job.path / "result.txt").read_text() == "3"
    assert job.donepath.exists()
    assert not job.pidpath.exists()
    assert out.x == 3
    assert job.path == tmp_path / "jobs" / job.type_id / task.__identifier__().hex()


def test_chain_runs_in_order(tmp_path):
    with experiment(tmp_path, "chain"):
        out = Add.C(x=1).submit()
        tasks = []
        for i in range(2, 6):
            t = Add.C(x=i, previous=out)
            out = t.submit()
            tasks.append(t)
    results = [int((t.__xpm__.job.path / "result.txt").read_text()) for t in tasks]
    assert results == [3, 5, 7, 9]  # each reads its predecessor's output
    ends = [t.__xpm__.job.ended_at for t in tasks]
    starts = [t.__xpm__.job.started_at for t in tasks]
    for prev_end, start in zip(ends, starts[1:]):
        assert start >= prev_end


def test_diamond(tmp_path):
    with experiment(tmp_path, "diamond"):
        root = Add.C(x=1).submit()
        left = Add.C(x=2, previous=root).submit()
        right = Add.C(x=3, previous=root).submit()
        join = Join.C(a=left, b=right)
        join.submit()
    assert (join.__xpm__.job.path / "result.txt").read_text() == str(2 + 3)
    assert executions(join.__xpm__.job.path) == 1


def test_failure_skips_dependents_and_raises(tmp_path):
    with pytest.raises(FailedExperiment) as info:
        with experiment(tmp_path, "fail"):
            bad = Fail.C(x=1)
            out = bad.submit()
            dependent = Add.C(x=2, previous=out)
            dependent.submit()
            independent = Add.C(x=5)
            independent.submit()
    message = str(info.value)
    bad_job, dep_job = bad.__xpm__.job, dependent.__xpm__.job
    assert "2 job(s) failed" in message
    assert f"{bad_job.relpath} [failed] RuntimeError: failure on purpose (x=1)" in message
    assert str(bad_job.stderr) in message
    assert f"{dep_job.relpath} [dependency] dependency {bad_job.relpath} failed" in message
    assert "failure on purpose" in bad_job.stderr.read_text()
    assert '"reason": "failed"' in bad_job.failedpath.read_text()
    assert executions(dep_job.path) == 0 and not dep_job.donepath.exists()
    # the plan still ran what it could
    assert independent.__xpm__.job.donepath.exists()


def test_token_limits_concurrency(tmp_path):
    log = tmp_path / "spans.log"
    with experiment(tmp_path / "ws", "tokens") as xp:
        token = xp.token("gpu", 1)
        for i in range(4):
            token(1, Sleep.C(x=i, duration=0.2, log=log)).submit()
    spans = intervals(log)
    assert len(spans) == 4
    assert max_overlap(spans) == 1


def test_default_concurrency_cap(tmp_path):
    log = tmp_path / "spans.log"
    cap = DirectLauncher().max_concurrent()
    with experiment(tmp_path / "ws", "cap"):
        for i in range(20):
            Sleep.C(x=i, duration=0.3, log=log).submit()
    spans = intervals(log)
    assert len(spans) == 20
    assert 1 <= max_overlap(spans) <= cap


def test_configured_concurrency(tmp_path):
    log = tmp_path / "spans.log"
    with experiment(tmp_path / "ws", "cap1", launcher=DirectLauncher(max_jobs=1)):
        for i in range(3):
            Sleep.C(x=i, duration=0.2, log=log).submit()
    assert max_overlap(intervals(log)) == 1


def test_resumable_task_retried_after_graceful_timeout(tmp_path):
    with experiment(tmp_path, "resume"):
        task = Resumable.C(attempts=3)
        task.submit(max_retries=5)
    job = task.__xpm__.job
    assert (job.path / "result.txt").read_text() == "3"
    assert executions(job.path) == 3
    rotated = sorted(p.name for p in job.path.glob("resumable.*.out"))
    assert rotated, "the logs of earlier attempts are kept"


def test_resumable_task_gives_up_after_max_retries(tmp_path):
    with pytest.raises(FailedExperiment, match=r"\[timeout\]"):
        with experiment(tmp_path, "resume"):
            task = Resumable.C(attempts=10)
            task.submit(max_retries=1)
    assert executions(task.__xpm__.job.path) == 2


def test_max_retries_defaults_to_the_workspace_settings(tmp_path):
    from experimaestro.settings import WorkspaceSettings

    settings = WorkspaceSettings(id="main", path=tmp_path / "ws", max_retries=2)
    with pytest.raises(FailedExperiment, match=r"\[timeout\]"):
        with experiment(settings, "resume"):
            task = Resumable.C(attempts=10)
            task.submit()
    assert task.__xpm__.job.max_retries == 2
    assert executions(task.__xpm__.job.path) == 3


def test_dry_run_writes_nothing(tmp_path, capsys):
    ws = tmp_path / "ws"
    with experiment(ws, "dry", run_mode=RunMode.DRY_RUN):
        task = Add.C(x=1)
        task.submit()
    assert not ws.exists()
    out = capsys.readouterr().out
    assert task.__xpm__.job.relpath in out and "state=none" in out


def test_generate_only_writes_params_only(tmp_path):
    with experiment(tmp_path, "gen", run_mode=RunMode.GENERATE_ONLY):
        task = Add.C(x=1)
        task.submit()
    job = task.__xpm__.job
    assert sorted(p.name for p in job.path.iterdir()) == ["params.json"]


def test_environment_is_added_not_replaced(tmp_path):
    with experiment(tmp_path, "env") as xp:
        xp.setenv("XPM_TEST_VAR", "hello")
        task = Env.C(names=["XPM_TEST_VAR", "PATH", "HOME"])
        task.submit()
    text = (task.__xpm__.job.path / "env.txt").read_text()
    assert "XPM_TEST_VAR=hello" in text
    assert f"PATH={os.environ['PATH']}" in text
    assert f"HOME={os.environ['HOME']}" in text


def test_done_jobs_are_not_rerun(tmp_path):
    for _ in range(2):
        with experiment(tmp_path, "rerun"):
            task = Add.C(x=7)
            task.submit()
    assert executions(task.__xpm__.job.path) == 1


def test_failed_job_is_rerun_by_the_next_experiment(tmp_path):
    with pytest.raises(FailedExperiment):
        with experiment(tmp_path, "again"):
            Fail.C(x=1).submit()
    with pytest.raises(FailedExperiment):
        with experiment(tmp_path, "again"):
            task = Fail.C(x=1)
            task.submit()
    job = task.__xpm__.job
    assert "failure on purpose" in job.stderr.read_text()
    assert len(list(job.path.glob("fail.*.err"))) == 1  # the first attempt's log, rotated


def test_workspace_finished_by_experimaestro_2(tmp_path):
    """Marker files at the identifier's path (as 2.x writes them) mean done."""
    task = Add.C(x=42)
    ident = task.__identifier__().hex()
    type_id = str(Add.__xpmtype__.identifier)
    folder = tmp_path / "jobs" / type_id / ident
    folder.mkdir(parents=True)
    (folder / "add.done").touch()
    legacy = Add.C(x=43)
    folder2 = tmp_path / "jobs" / type_id / legacy.__identifier__().hex()
    folder2.mkdir(parents=True)
    (folder2 / "add.failed").write_text("0")  # 2.x: a bare code 0 means done
    with experiment(tmp_path, "legacy"):
        task.submit()
        legacy.submit()
    assert executions(folder) == 0 and executions(folder2) == 0
    assert task.__xpm__.job.state.value == "done"
    assert not (folder / "result.txt").exists()


def test_experiment_run_folder(tmp_path):
    with experiment(tmp_path, "runs"):
        task = Add.C(x=1)
        task.submit()
    xpdir = tmp_path / "experiments" / "runs"
    current = (xpdir / "current").resolve()
    assert current.parent == xpdir.resolve()
    job = task.__xpm__.job
    link = current / "jobs" / job.type_id / job.identifier
    assert link.is_symlink() and link.resolve() == job.path.resolve()
    line = (current / "jobs.jsonl").read_text().splitlines()[0]
    assert job.identifier in line
    assert '"status": "done"' in (current / "environment.json").read_text()
    assert (tmp_path / ".__experimaestro__").exists()
