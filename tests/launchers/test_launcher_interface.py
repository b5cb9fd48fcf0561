"""The launcher interface of 2.x that a launcher may override: onSubmit (called at each
submission), scriptbuilder (a script running the job by hand), launcher_info_code."""

import subprocess

import pytest

from experimaestro import experiment
from experimaestro.launchers.direct import DirectLauncher
from experimaestro.tokens import CounterToken
from xpm_fixtures.tasks import Add

from scheduler.helpers import executions


class TokenLauncher(DirectLauncher):
    """Gives each job it runs a unit of its token (the use 2.x documents for onSubmit)."""

    def __init__(self, token):
        super().__init__()
        self.token = token
        self.submitted = []

    def onSubmit(self, job):
        self.submitted.append(job.identifier)
        job.config.add_dependencies(self.token.dependency(1))


def test_on_submit_is_called_with_each_job(tmp_path):
    token = CounterToken(tmp_path / "token", 1)
    launcher = TokenLauncher(token)
    with experiment(tmp_path / "ws", "onsubmit", launcher=launcher):
        tasks = [Add.C(x=x) for x in range(3)]
        for task in tasks:
            task.submit()
    jobs = [t.__xpm__.job for t in tasks]
    assert launcher.submitted == [j.identifier for j in jobs]
    for job in jobs:
        assert any(getattr(d, "token", None) is token
                   for d in job.config.__xpm__.dependencies)
        assert (job.path / "result.txt").read_text() == str(job.config.x)


def test_a_failing_on_submit_names_the_launcher_and_the_job(tmp_path):
    class Broken(DirectLauncher):
        def onSubmit(self, job):
            raise ValueError("no quota left")

    with pytest.raises(RuntimeError, match=r"onSubmit failed for jobs/.*: ValueError: no quota"):
        with experiment(tmp_path / "ws", "broken", launcher=Broken()):
            Add.C(x=1).submit()


def test_the_script_of_a_job_runs_it_by_hand(tmp_path):
    """scriptbuilder() writes <name>.sh in the job folder: bash runs the job."""
    from experimaestro import RunMode

    launcher = DirectLauncher()
    with experiment(tmp_path / "ws", "script", launcher=launcher,
                    run_mode=RunMode.GENERATE_ONLY):
        task = Add.C(x=7)
        task.submit()
    job = task.__xpm__.job
    script = launcher.scriptbuilder()(job)
    assert script == job.path / f"{job.name}.sh"
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert (job.path / "result.txt").read_text() == "7"
    assert job.folder.state().state == "done" and executions(job.path) == 1
    assert launcher.launcher_info_code() == ""
