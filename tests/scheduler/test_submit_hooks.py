"""SubmitHook: a hook decorating a configuration class processes the jobs that use it."""

import pytest

from experimaestro import SubmitHook, experiment
from experimaestro.scheduler.workspace import RunMode
from xpm_fixtures.tasks import (
    Env,
    EnvWithModels,
    HookedEnv,
    HookedEnvChild,
    HookedModel,
    sets_env,
)


def _env(task) -> dict:
    lines = (task.__xpm__.job.path / "env.txt").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_the_hook_of_the_task_class_sets_the_job_environment(tmp_path):
    with experiment(tmp_path, "hooks"):
        task = HookedEnv.C(names=["XPM_HOOKED"])
        task.submit()
        child = HookedEnvChild.C(names=["XPM_HOOKED"])
        child.submit()
        plain = Env.C(names=["XPM_HOOKED"])
        plain.submit()
    assert _env(task) == {"XPM_HOOKED": "from-hook"}
    assert _env(child) == {"XPM_HOOKED": "from-hook"}  # inherited by subclasses
    assert _env(plain) == {"XPM_HOOKED": "<unset>"}


def test_hooks_of_nested_configurations_apply_once(tmp_path):
    sets_env.calls.clear()
    with experiment(tmp_path, "hooks"):
        task = EnvWithModels.C(
            names=["XPM_HOOKED_MODEL"],
            models=[HookedModel.C(size=1), HookedModel.C(size=2)],
        )
        task.submit()
    assert _env(task) == {"XPM_HOOKED_MODEL": "model"}
    # one call for the two models (the same hook), given the launcher that runs the job
    assert sets_env.calls == [("XPM_HOOKED_MODEL", task.__xpm__.job.name, "DirectLauncher")]


def test_hooks_run_in_dry_run_mode(tmp_path):
    with experiment(tmp_path, "hooks", run_mode=RunMode.DRY_RUN):
        task = HookedEnv.C(names=["XPM_HOOKED"])
        task.submit()
        assert task.__xpm__.job.environ == {"XPM_HOOKED": "from-hook"}
    assert not (tmp_path / "jobs").exists()


class broken(SubmitHook):
    def spec(self):
        return ()

    def process(self, job, launcher):
        raise OSError("no Java found")


@broken()
class BrokenEnv(Env):
    pass


def test_a_failing_hook_stops_the_submission_with_its_reason(tmp_path):
    with experiment(tmp_path, "hooks"):
        with pytest.raises(RuntimeError) as info:
            BrokenEnv.C(names=[]).submit()
    message = str(info.value)
    assert "submit hook broken(()) failed for jobs/" in message
    assert "OSError: no Java found" in message
    assert not list((tmp_path / "jobs").glob("**/params.json"))


def test_only_configuration_classes_can_be_decorated():
    with pytest.raises(TypeError, match="decorates configuration classes"):
        sets_env("A", "b")(int)


def test_hooks_compare_by_spec():
    assert sets_env("A", "b") == sets_env("A", "b")
    assert len({sets_env("A", "b"), sets_env("A", "b"), sets_env("A", "c")}) == 2
    assert repr(sets_env("A", "b")) == "sets_env(('A', 'b'))"
