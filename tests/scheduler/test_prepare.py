"""Prepare: configurations prepared before the tasks that hold them start."""

import os
from pathlib import Path

import pytest

from experimaestro import Config, FailedExperiment, Param, Prepare, experiment
from experimaestro.scheduler.workspace import RunMode
from xpm_fixtures.tasks import BrokenDownload, Corpus, Download, Unchecked, UseData


def _calls(folder: Path):
    f = folder / "prepare-calls.txt"
    return f.read_text().splitlines() if f.exists() else []


def test_held_prepare_runs_once_in_the_experiment_process(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with experiment(tmp_path / "ws", "prepare"):
        first = UseData.C(data=Download.C(name="msmarco", folder=data), x=1)
        first.submit()
        # An equal Prepare config (same identifier) in another task: prepared once
        second = UseData.C(data=Download.C(name="msmarco", folder=data), x=2)
        second.submit()
    assert _calls(data) == [f"msmarco {os.getpid()}"]
    assert Path(first.result).read_text() == "data of msmarco"
    assert Path(second.result).read_text() == "data of msmarco"


def test_prepare_is_found_inside_held_configurations(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with experiment(tmp_path / "ws", "prepare"):
        task = UseData.C(data=Corpus.C(source=Download.C(name="robust", folder=data)))
        task.submit()
    assert _calls(data) == [f"robust {os.getpid()}"]
    assert Path(task.result).read_text() == "data of robust"


def test_is_prepared_skips_the_preparation(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "cached.txt").write_text("data of cached")
    with experiment(tmp_path / "ws", "prepare"):
        task = UseData.C(data=Download.C(name="cached", folder=data))
        task.submit()
    assert _calls(data) == []
    assert Path(task.result).read_text() == "data of cached"


def test_without_is_prepared_each_experiment_prepares_again(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for x in (1, 2):
        with experiment(tmp_path / "ws", "prepare"):
            UseData.C(data=Unchecked.C(name="u", folder=data), x=x).submit()
    assert len(_calls(data)) == 2


def test_a_job_already_done_does_not_prepare(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with experiment(tmp_path / "ws", "prepare"):
        UseData.C(data=Unchecked.C(name="u", folder=data)).submit()
    with experiment(tmp_path / "ws", "prepare"):
        UseData.C(data=Unchecked.C(name="u", folder=data)).submit()
    assert len(_calls(data)) == 1


def test_a_failed_preparation_fails_the_tasks_that_need_it(tmp_path):
    with pytest.raises(FailedExperiment) as info:
        with experiment(tmp_path / "ws", "prepare"):
            task = UseData.C(data=BrokenDownload.C(name="offline"))
            task.submit()
    message = str(info.value)
    assert "[dependency]" in message
    assert ("preparation of BrokenDownload failed: ConnectionError: cannot reach the"
            " server of offline") in message
    assert not task.__xpm__.job.donepath.exists()


def test_submitted_prepare_runs_as_a_job(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with experiment(tmp_path / "ws", "prepare"):
        download = Download.C(name="big", folder=data)
        assert download.submit() is download  # the Prepare config, given to tasks
        task = UseData.C(data=download)
        task.submit()
    calls = _calls(data)
    assert len(calls) == 1 and calls[0] != f"big {os.getpid()}"  # in the job process
    job = download.__xpm__.prepare_job
    assert job.path.parent.name == "experimaestro.prepare"
    assert job.donepath.exists()
    assert job in task.__xpm__.job.dependencies
    assert Path(task.result).read_text() == "data of big"


def test_submitted_prepare_is_transient(tmp_path):
    """The preparation job runs only when a task that needs it has to run."""
    data = tmp_path / "data"
    data.mkdir()
    with experiment(tmp_path / "ws", "prepare"):
        download = Download.C(name="unused", folder=data).submit()
    assert _calls(data) == []
    assert not download.__xpm__.prepare_job.donepath.exists()


def test_prepare_job_runs_again_when_its_data_is_gone(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for x in (1, 2):
        with experiment(tmp_path / "ws", "prepare"):
            download = Download.C(name="wiped", folder=data).submit()
            UseData.C(data=download, x=x).submit()
        (data / "wiped.txt").unlink()  # e.g. a cache cleaned between two runs
    assert len(_calls(data)) == 2


def test_submit_needs_is_prepared(tmp_path):
    with experiment(tmp_path / "ws", "prepare"):
        with pytest.raises(TypeError, match=r"Unchecked.submit\(\): a Prepare runs as a job"
                           r" only if its class overrides is_prepared\(\)"):
            Unchecked.C(name="u", folder=tmp_path).submit()


def test_run_mode_prepare_prepares_and_runs_nothing_else(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with experiment(tmp_path / "ws", "prepare", run_mode=RunMode.PREPARE):
        task = UseData.C(data=Download.C(name="warm", folder=data))
        task.submit()
        UseData.C(data=Download.C(name="warm", folder=data), x=3).submit()
    assert _calls(data) == [f"warm {os.getpid()}"]
    assert not task.__xpm__.job.path.exists()


def test_run_mode_prepare_reports_a_failure(tmp_path):
    with pytest.raises(RuntimeError, match=r"run mode prepare: preparing BrokenDownload"
                       r" \(held by jobs/xpm_fixtures.tasks.usedata/[0-9a-f]+\) failed:"
                       r" ConnectionError"):
        with experiment(tmp_path / "ws", "prepare", run_mode=RunMode.PREPARE):
            UseData.C(data=BrokenDownload.C(name="offline")).submit()


def test_prepare_does_not_change_identifiers():
    class AsPrepare(Prepare):
        __xpmid__ = "prepare.same"
        name: Param[str]

    class AsConfig(Config):
        __xpmid__ = "prepare.same"
        name: Param[str]

    assert AsPrepare.C(name="a").__identifier__() == AsConfig.C(name="a").__identifier__()
