"""What 2.x gives the task while its job runs: ``self.__taskdir__``,
``self.__maintaskdir__``, ``self.__tags__``, and ``TaskCancelled.remaining_time``."""

import json
import os
import signal
import threading
import time

import pytest

from experimaestro import FailedExperiment, experiment, from_task_dir, tag, tags
from experimaestro.launchers.direct import DirectLauncher
from xpm_fixtures.tasks import CatchCancel, Layer, Names


def test_the_running_task_knows_its_folder_and_tags(tmp_path):
    with experiment(tmp_path / "ws", "names"):
        task = Names.C(layer=Layer.C(size=tag(3)), lr=tag(0.1))
        task.submit()
    folder = task.__xpm__.job.path
    names = json.loads((folder / "names.json").read_text())
    # the job folder (also the working directory); no sub-parameter jobs: the main
    # task's folder is its own
    assert names["taskdir"] == names["maintaskdir"] == names["cwd"] == str(folder)
    # the tags of the task, those of the configurations it holds included (the job's,
    # kept in params.json); the held configurations carry no tags on disk (as in 2.x)
    assert names["tags"] == {"size": 3, "lr": 0.1} == task.__xpm__.job.tags()
    assert names["layer_tags"] == {}
    params = json.loads((folder / "params.json").read_text())
    assert params["tags"] == {"size": 3, "lr": 0.1}
    assert tags(from_task_dir(folder)) == {"size": 3, "lr": 0.1}  # read back in the driver


def test_params_json_keeps_tags_as_json(tmp_path):
    from experimaestro import RunMode

    with experiment(tmp_path / "ws", "names", run_mode=RunMode.GENERATE_ONLY):
        task = Names.C(layer=tag(Layer.C(size=1)), lr=0.5)
        task.submit()
    params = json.loads((task.__xpm__.job.path / "params.json").read_text())
    assert params["tags"] == {"layer": str(task.layer)}  # not a JSON value: its text
    untagged = Names.C(layer=Layer.C(size=1), lr=0.25)
    with experiment(tmp_path / "ws", "names", run_mode=RunMode.GENERATE_ONLY):
        untagged.submit()
    assert "tags" not in json.loads((untagged.__xpm__.job.path / "params.json").read_text())


def test_tags_of_instances_outside_a_job():
    cfg = Names.C(layer=Layer.C(size=tag(3)), lr=tag(0.1))
    instance = cfg.instance()
    assert instance.__tags__ == {"size": 3, "lr": 0.1}
    assert instance.layer.__tags__ == {"size": 3}
    assert cfg.instance(keep=False).__tags__ == {"size": 3, "lr": 0.1}
    assert cfg.__tags__ == {"size": 3, "lr": 0.1}  # the configuration's, as tags(cfg)
    # a value set by the task (2.x's TaskSequence does it) wins
    instance.__tags__ = {"x": 1}
    assert instance.__tags__ == {"x": 1}


class TimedLauncher(DirectLauncher):
    """Tells its jobs how long they have left (as the Slurm launcher does)."""

    launcher_info = "xpm_fixtures.tasks:FixedTimeLeft"


def _cancel(task, tmp_path, launcher=None):
    def terminate():
        started = task.__xpm__.job.path / "started.txt"
        deadline = time.time() + 60
        while not started.exists() and time.time() < deadline:
            time.sleep(0.05)
        os.kill(int(started.read_text()), signal.SIGTERM)

    with pytest.raises(FailedExperiment, match=r"\[cancelled\] received signal SIGTERM"):
        with experiment(tmp_path / "ws", "cancel", launcher=launcher):
            task.submit()
            threading.Thread(target=terminate).start()
    return (task.__xpm__.job.path / "cancelled.txt").read_text()


def test_task_cancelled_says_how_long_is_left(tmp_path):
    assert _cancel(CatchCancel.C(x=1), tmp_path, TimedLauncher()) == "1000.0"
    assert _cancel(CatchCancel.C(x=2), tmp_path) == "None"  # a local job: no time limit


def test_a_task_that_swallows_the_cancellation_is_not_done(tmp_path):
    """As in 2.x: the task may catch TaskCancelled to clean up and return, the job is
    cancelled all the same."""
    task = CatchCancel.C(x=3, swallow=True)
    _cancel(task, tmp_path)
    job = task.__xpm__.job
    assert not job.donepath.exists()
    assert json.loads(job.failedpath.read_text())["reason"] == "cancelled"


def test_task_cancelled_without_a_time_limit():
    from experimaestro import TaskCancelled

    e = TaskCancelled("stopped")
    assert (e.message, e.remaining_time, str(e)) == ("stopped", None, "stopped")
    assert TaskCancelled().remaining_time is None
    assert TaskCancelled("x", remaining_time=12.5).remaining_time == 12.5
