"""The job-related API of submitted tasks, progress reports, cancellation, transient jobs."""

import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from experimaestro import FailedExperiment, experiment
from experimaestro.scheduler.workspace import TransientMode
from xpm_fixtures.tasks import Add, Fail, Progress, Wait

from .helpers import TESTS, executions


def _wait_for(predicate, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_job_accessors_and_callbacks(tmp_path):
    called = []
    with experiment(tmp_path, "api") as xp:
        task = Add.C(x=2)
        task.submit()
        task.on_completed(lambda: called.append("done"))
        assert task.jobpath == task.__xpm__.job.path
        assert task.wait() is True
        assert task.stdout().name == "add.out" and task.stderr().name == "add.err"
        assert xp.current() is xp
        xp.wait()
    assert called == ["done"]
    assert task.job.state.value == "done"


def test_on_completed_declared_before_submit(tmp_path):
    """As in 2.x: the callback waits for the job that submit() gives the task; it is
    called when the job succeeds, also when it was found done on disk (a rerun), and
    never for a job that failed."""
    called = []
    for run in range(2):
        with experiment(tmp_path, "api"):
            task = Add.C(x=3)
            assert task.on_completed(lambda: called.append("done")) is task
            task.submit()
        assert called == ["done"] * (run + 1)
    assert executions(task.__xpm__.job.path) == 1  # the rerun found it done
    with pytest.raises(FailedExperiment):
        with experiment(tmp_path, "api"):
            failing = Fail.C(x=1)
            failing.on_completed(lambda: called.append("failed?"))
            failing.submit()
    assert called == ["done", "done"]


def test_on_completed_before_submit_on_a_second_submission(tmp_path):
    called = []
    with experiment(tmp_path, "api"):
        Add.C(x=4).submit()
        again = Add.C(x=4)
        again.on_completed(lambda: called.append("again"))
        again.submit()
    assert called == ["again"]


def test_on_completed_needs_a_callable_and_a_task():
    with pytest.raises(TypeError, match="not callable"):
        Add.C(x=1).on_completed(None)
    from xpm_fixtures.tasks import Value

    with pytest.raises(RuntimeError, match="Value has no job: submit it first"):
        Value.C(x=1).on_completed(print)


def test_job_accessors_need_a_submitted_task():
    with pytest.raises(RuntimeError, match="Add has no job: submit it first"):
        Add.C(x=1).jobpath


def test_progress_is_reported(tmp_path):
    release = tmp_path / "release"
    with experiment(tmp_path / "ws", "progress"):
        task = Progress.C(steps=10, release=release)
        task.submit()
        try:
            path = task.__xpm__.job.path / ".experimaestro" / "progress.json"
            _wait_for(lambda: executions(task.__xpm__.job.path) == 1)
            data = json.loads(path.read_text())
            assert data["0"]["desc"] == "warm-up"
            assert data["1"] == {"value": 1.0, "desc": "steps"}
            from experimaestro.scheduler.display import read_progress

            assert read_progress(task.__xpm__.job) == "warm-up 50% / steps 100%"
        finally:
            release.touch()  # never leave the job waiting


def run_on_a_terminal(script: str, release: Path) -> str:
    """Run a Python script with a pty as its terminal; what it wrote there. `release` is
    created once the job's progress reached 100% (or at the end)."""
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=slave, stdout=slave,
                            stderr=slave, close_fds=True)
    os.close(slave)
    output = b""
    deadline = time.time() + 30
    released = False
    try:
        while time.time() < deadline:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            output += chunk
            if not released and b"steps 100%" in output:
                release.touch()
                released = True
            if proc.poll() is not None and released:
                break
        proc.wait(timeout=30)
    finally:
        release.touch()  # never leave the job or the driver waiting
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return output.decode(errors="replace")


def test_live_display_on_a_terminal(tmp_path):
    """On a terminal the driver shows one live summary line (read through a pty)."""
    script = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
        "from experimaestro import experiment\n"
        "from xpm_fixtures.tasks import Progress\n"
        f"with experiment({str(tmp_path / 'ws')!r}, 'tty'):\n"
        f"    Progress.C(steps=5, release={str(tmp_path / 'release')!r}).submit()\n"
    )
    text = run_on_a_terminal(script, tmp_path / "release")
    assert "1 running" in text and "progress" not in text.split("|")[0]
    assert "warm-up 50% / steps 100%" in text
    assert "[xpm] 1 done, 0 running, 0 failed, 0 waiting" in text


def test_failures_are_named_on_a_terminal_when_they_happen(tmp_path):
    """A failure gets its own line above the live summary, while the experiment still
    runs (here, before the job that waits is released)."""
    release = tmp_path / "release"
    script = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
        "from experimaestro import experiment, FailedExperiment\n"
        "from xpm_fixtures.tasks import Fail, Progress\n"
        "try:\n"
        f"    with experiment({str(tmp_path / 'ws')!r}, 'tty'):\n"
        "        Fail.C(x=1).submit()\n"
        f"        Progress.C(steps=5, release={str(release)!r}).submit()\n"
        "except FailedExperiment:\n"
        "    pass\n"
    )
    text = run_on_a_terminal(script, release)
    failed_line = text.index("[xpm] FAILED  jobs/xpm_fixtures.tasks.fail/")
    assert "RuntimeError: failure on purpose (x=1)" in text[failed_line:].split("\n")[0]
    # named while the other job was still running (before the summary of the end)
    assert failed_line < text.index("[xpm] 1 done, 0 running, 1 failed, 0 waiting")


def test_sigterm_cancels_the_job(tmp_path):
    release = tmp_path / "never"
    task = Wait.C(x=1, release=release)

    def terminate():
        f = task.__xpm__.job.path / "started.txt"
        _wait_for(f.exists)
        os.kill(int(f.read_text()), signal.SIGTERM)

    with pytest.raises(FailedExperiment, match=r"\[cancelled\] received signal SIGTERM"):
        with experiment(tmp_path / "ws", "cancel"):
            task.submit()
            threading.Thread(target=terminate).start()
    record = json.loads(task.__xpm__.job.failedpath.read_text())
    assert record["reason"] == "cancelled"


def test_transient_job_runs_only_when_needed(tmp_path):
    with experiment(tmp_path, "transient"):
        unused = Add.C(x=1)
        unused.submit(transient=TransientMode.TRANSIENT)
        needed = Add.C(x=2)
        out = needed.submit(transient=TransientMode.TRANSIENT)
        Add.C(x=3, previous=out).submit()
    assert unused.__xpm__.job.state.value == "skipped"
    assert executions(unused.__xpm__.job.path) == 0
    assert executions(needed.__xpm__.job.path) == 1


def test_transient_remove_deletes_the_folder_after_dependents(tmp_path):
    with experiment(tmp_path, "remove"):
        needed = Add.C(x=2)
        out = needed.submit(transient=TransientMode.REMOVE)
        final = Add.C(x=3, previous=out)
        final.submit()
    assert final.__xpm__.job.donepath.exists()
    assert not needed.__xpm__.job.path.exists()
