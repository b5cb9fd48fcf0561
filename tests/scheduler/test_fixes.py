"""Behaviours fixed after review: nested progress bars, transient jobs needed after
xp.wait(), dry runs with tokens, dirty git checks, jobs that wait for a token."""

import importlib
import json
import subprocess

import pytest

from experimaestro import DirtyGitError, HandledException, RunMode, experiment
from experimaestro.scheduler.experiment import DirtyGitAction
from experimaestro.scheduler.workspace import TransientMode
from experimaestro.taskglobals import Env
from xpm_fixtures.tasks import Add, Sleep

from .helpers import executions, intervals


@pytest.mark.parametrize("bars", ["tqdm package", "built-in"])
def test_nested_progress_bars_have_their_own_levels(tmp_path, monkeypatch, bars):
    """Both with the tqdm package (which does not call update() for each item) and with
    the minimal bar used without it."""
    # (the module: `import experimaestro.progress as p` may give the function progress,
    # a public name of the package)
    p = importlib.import_module("experimaestro.progress")

    if bars == "tqdm package":
        pytest.importorskip("tqdm")
    else:
        monkeypatch.setattr(p, "_base", lambda: p._Bar)
    monkeypatch.setattr(Env.instance(), "taskpath", tmp_path)
    monkeypatch.setattr(p, "_MIN_INTERVAL", 0.0)
    path = tmp_path / ".experimaestro" / "progress.json"
    seen = []
    for _ in p.tqdm(range(2), desc="outer"):
        for _ in p.tqdm(range(4), desc="inner"):
            if path.exists():
                seen.append(json.loads(path.read_text()))
    assert seen
    # The inner bar always reports at level 1, even before the outer bar's first report
    assert all(s.get("1", {}).get("desc", "inner") == "inner" for s in seen)
    assert all(s.get("0", {}).get("desc", "outer") == "outer" for s in seen)
    assert json.loads(path.read_text()) == {"0": {"value": 1.0, "desc": "outer"}}


def test_transient_job_needed_after_wait(tmp_path):
    with experiment(tmp_path, "transient-wait") as xp:
        needed = Add.C(x=2)
        out = needed.submit(transient=TransientMode.TRANSIENT)
        xp.wait()
        assert needed.__xpm__.job.state.value == "skipped"
        final = Add.C(x=3, previous=out)
        final.submit()
    assert executions(needed.__xpm__.job.path) == 1
    assert final.__xpm__.job.donepath.exists()


def test_dry_run_with_tokens_writes_nothing(tmp_path):
    ws = tmp_path / "ws"
    with experiment(ws, "dry", run_mode=RunMode.DRY_RUN) as xp:
        token = xp.token("gpu", 1)
        token(1, Add.C(x=1)).submit()
    assert not ws.exists()


def test_dirty_git_error_refuses_to_run(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / "file.txt").write_text("committed")
    subprocess.run(["git", "add", "file.txt"], cwd=project, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   cwd=project, check=True)
    (project / "file.txt").write_text("uncommitted change")
    with pytest.raises(DirtyGitError, match="uncommitted changes") as info:
        with experiment(tmp_path / "ws", "git", project_paths=[project],
                        dirty_git=DirtyGitAction.ERROR):
            pass
    assert isinstance(info.value, HandledException)  # (as in 2.x)
    # a str enum, as in 2.x: the strings of the YAML files compare equal
    assert DirtyGitAction.ERROR == "error" and DirtyGitAction("warn") is DirtyGitAction.WARN
    with pytest.raises(DirtyGitError):
        with experiment(tmp_path / "ws", "git", project_paths=[project], dirty_git="error"):
            pass


def test_waiting_for_a_token_does_not_hold_a_slot(tmp_path):
    """With one slot, a job blocked on a busy token lets a job without token run."""
    from experimaestro.launchers.direct import DirectLauncher

    log = tmp_path / "spans.log"
    with experiment(tmp_path / "ws", "slots", launcher=DirectLauncher(max_jobs=2)) as xp:
        token = xp.token("t", 1)
        token(1, Sleep.C(x=1, duration=1.0, log=log)).submit()
        token(1, Sleep.C(x=2, duration=1.0, log=log)).submit()
        Sleep.C(x=3, duration=0.2, log=log).submit()
    spans = {x: (s, e) for s, e, x in intervals(log)}
    first_token_end = min(spans[1][1], spans[2][1])
    assert spans[3][1] < first_token_end + 0.5  # did not wait behind both token jobs
