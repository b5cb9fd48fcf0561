"""Names of 2.x around the experiment: ``Workspace.launcher`` (a DirectLauncher unless
one is given), ``set_launcher``, ``Workspace.CURRENT``, ``GracefulExperimentExit``, and
the module path ``experimaestro.scheduler``."""

import json
import os
import time

import pytest

from experimaestro import (
    GracefulExperimentExit,
    Workspace,
    experiment,
    set_launcher,
)
from experimaestro.launchers.direct import DirectLauncher
from xpm_fixtures.tasks import Add, Wait

from .helpers import executions


def test_a_workspace_runs_jobs_locally_unless_told_otherwise(tmp_path):
    ws = Workspace(tmp_path / "ws")
    assert isinstance(ws.launcher, DirectLauncher)
    assert ws.launcher is ws.launcher  # one launcher: it caps the jobs it runs
    mine = DirectLauncher(max_jobs=1)
    assert Workspace(tmp_path / "ws", launcher=mine).launcher is mine


def test_set_launcher_changes_the_launcher_of_the_jobs_submitted_after(tmp_path):
    first, second = DirectLauncher(max_jobs=1), DirectLauncher(max_jobs=2)
    assert Workspace.CURRENT is None
    with experiment(tmp_path / "ws", "launchers", launcher=first) as xp:
        assert Workspace.CURRENT is xp.workspace
        before = Add.C(x=1)
        before.submit()
        set_launcher(second)
        after = Add.C(x=2)
        after.submit()
        given = DirectLauncher()
        own = Add.C(x=3)
        own.submit(launcher=given)
    assert Workspace.CURRENT is None
    assert before.__xpm__.job.launcher is first
    assert after.__xpm__.job.launcher is second
    assert own.__xpm__.job.launcher is given
    assert all(t.__xpm__.job.donepath.exists() for t in (before, after, own))


def test_set_launcher_outside_an_experiment():
    with pytest.raises(RuntimeError, match=r"set_launcher\(\): no workspace is active"):
        set_launcher(DirectLauncher())


def test_graceful_exit_leaves_without_waiting(tmp_path):
    """The running job goes on (a later run re-attaches to it); a job not started yet is
    not started; the exception stops at the block; the run is recorded as detached."""
    ws = tmp_path / "ws"
    release = tmp_path / "release"
    with experiment(ws, "detach") as xp:
        running = Wait.C(x=1, release=release)
        running.submit()
        later = Add.C(x=1, previous=running.submit())
        later.submit()
        started = running.__xpm__.job.path / "started.txt"
        deadline = time.time() + 60
        while not started.exists() and time.time() < deadline:
            time.sleep(0.05)
        raise GracefulExperimentExit()
    try:
        os.kill(int(started.read_text()), 0)  # still running
        assert not running.__xpm__.job.donepath.exists()
        assert not (later.__xpm__.job.path / "executions.txt").exists()
        environment = json.loads((xp.workdir / "environment.json").read_text())
        assert environment["status"] == "detached"
    finally:
        release.touch()  # never leave the job waiting
    with experiment(ws, "detach"):
        again = Wait.C(x=1, release=release)
        again.submit()
        Add.C(x=1, previous=again.submit()).submit()
    assert executions(running.__xpm__.job.path) == 1  # followed, not run twice
    assert (later.__xpm__.job.path / "result.txt").read_text() == "2"


def test_the_scheduler_module_path_of_2x():
    from experimaestro.scheduler import (  # noqa: F401
        DirtyGitError,
        FailedExperiment,
        GracefulExperimentExit,
        Job,
        JobState,
        RunMode,
        Scheduler,
        Workspace,
        experiment,
    )

    assert JobState.DONE.finished and not JobState.RUNNING.finished
    import experimaestro.scheduler as module

    with pytest.raises(AttributeError, match="has no attribute 'Nothing'"):
        module.Nothing
