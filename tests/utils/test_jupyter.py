"""experimaestro.utils.jupyter: jobmonitor follows real jobs (progress bars from what the
tasks report); serverwidget runs an experiment with its web monitor."""

import io
import threading
import time

import pytest

from experimaestro import FailedExperiment, RunMode, experiment
from experimaestro.utils.jupyter import jobmonitor
from xpm_fixtures.tasks import Add, Fail, Progress, Value


def _release_when(predicate, release, timeout=60.0):
    """In a thread: create the file `release` once `predicate()` holds (or at timeout,
    so that the job never waits for ever)."""

    def run():
        deadline = time.time() + timeout
        while not predicate() and time.time() < deadline:
            time.sleep(0.05)
        release.touch()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_jobmonitor_shows_the_reported_progress_until_the_end(tmp_path):
    shown = io.StringIO()
    release = tmp_path / "release"
    with experiment(tmp_path / "ws", "monitor"):
        task = Progress.C(steps=5, release=release)
        task.submit()
        # The task reports 50% then waits: the bar must show it before the job ends
        thread = _release_when(lambda: "50%" in shown.getvalue(), release)
        jobmonitor(task, interval=0.05, file=shown)
        assert task.__xpm__.job.state.value == "done"
        thread.join()
    text = shown.getvalue()
    assert "50%" in text and "100%" in text
    assert text.index("50%") < text.index("100%")


def test_jobmonitor_follows_outputs_in_order_and_done_jobs(tmp_path):
    shown = io.StringIO()
    with experiment(tmp_path / "ws", "monitor"):
        first = Add.C(x=1).submit()  # task_outputs: a Value
        assert isinstance(first, Value)
        second = Add.C(x=2, previous=first)
        second.submit()
        jobmonitor(first, second, interval=0.05, file=shown)
        assert second.__xpm__.job.state.value == "done"
        jobmonitor(second, file=shown)
    assert shown.getvalue().count("100%") >= 2
    assert shown.getvalue().rstrip().endswith(f"{second.__xpm__.job.relpath}: already done")


def test_jobmonitor_raises_when_a_job_fails(tmp_path):
    with pytest.raises(FailedExperiment), experiment(tmp_path / "ws", "monitor"):
        output = Fail.C(x=1).submit()
        with pytest.raises(RuntimeError,
                           match=r"did not succeed \(error, failed, .*on purpose.*fail.err"):
            jobmonitor(output, interval=0.05, file=io.StringIO())


def test_jobmonitor_refuses_what_will_not_run(tmp_path):
    with pytest.raises(ValueError, match="was not submitted"):
        jobmonitor(Add.C(x=1))
    with pytest.raises(TypeError, match="not a configuration"):
        jobmonitor(3)
    with experiment(tmp_path / "ws", "monitor", run_mode=RunMode.DRY_RUN):
        task = Add.C(x=1)
        task.submit()
        with pytest.raises(RuntimeError, match="will not run"):
            jobmonitor(task)


def test_serverwidget_runs_an_experiment_with_its_web_monitor(tmp_path, monkeypatch):
    import urllib.request

    from experimaestro.utils.jupyter import serverwidget

    monkeypatch.chdir(tmp_path)  # (2.x: the workspace is the folder named after it)
    hooked = []
    widget = serverwidget("nb", port=0, environment={"MY_VAR": "1"},
                          hook=lambda w: hooked.append(w.current))
    try:
        assert widget.running and hooked == [widget.current]
        assert widget.current.environment["MY_VAR"] == "1"
        url = widget.current.monitor_url
        assert url and serverwidget.TOKEN in url
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
        task = Add.C(x=1)
        task.submit()
        assert widget.button.description == "Stop the experiment"
        widget.toggle()  # the end of the experiment: its job ran
        assert not widget.running and task.__xpm__.job.state.name == "DONE"
        assert widget.button.description == "Start the experiment"
        assert (tmp_path / "nb" / "experiments" / "nb").is_dir()
    finally:
        widget.stop()
