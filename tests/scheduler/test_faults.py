"""Faults: killed jobs, killed drivers, two drivers racing on the same jobs."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experimaestro import FailedExperiment, experiment
from xpm_fixtures.tasks import Add, Wait

from .helpers import driver, executions, intervals


def _wait_for(predicate, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    raise AssertionError("timed out waiting for a condition")


def test_sigkill_of_a_running_job(tmp_path):
    release = tmp_path / "never"
    task = Wait.C(x=1, release=release)
    started = {}

    def kill_when_started():
        f = task.__xpm__.job.path / "started.txt"
        _wait_for(f.exists)
        pid = int(f.read_text())
        started["pid"] = pid
        os.kill(pid, signal.SIGKILL)

    import threading

    with pytest.raises(FailedExperiment) as info:
        with experiment(tmp_path / "ws", "kill"):
            out = task.submit()
            dependent = Add.C(x=2, previous=out)
            dependent.submit()
            threading.Thread(target=kill_when_started).start()
    assert "[killed] killed by signal 9" in str(info.value)
    assert task.__xpm__.job.failedpath.exists()
    assert executions(dependent.__xpm__.job.path) == 0


DRIVER = """
import sys
from pathlib import Path
from experimaestro import experiment
from xpm_fixtures.tasks import Wait, Add
ws, release = sys.argv[1], Path(sys.argv[2])
with experiment(ws, "crash"):
    out = Wait.C(x=1, release=release).submit()
    Add.C(x=5, previous=out).submit()
print("driver finished")
"""


def test_driver_killed_then_new_driver_reattaches(tmp_path):
    ws, release = tmp_path / "ws", tmp_path / "release"
    first = driver(DRIVER, ws, release)
    task = Wait.C(x=1, release=release)
    jobpath = ws / "jobs" / str(Wait.__xpmtype__.identifier) / task.__identifier__().hex()
    _wait_for((jobpath / "started.txt").exists)
    first.send_signal(signal.SIGKILL)
    first.wait()
    # The job survives its driver; a new driver re-attaches instead of running it again
    second = driver(DRIVER, ws, release)
    time.sleep(1.0)
    assert executions(jobpath) == 1
    release.touch()
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert "driver finished" in out
    assert executions(jobpath) == 1
    assert (jobpath / "wait.done").exists()
    add_jobs = list((ws / "jobs" / str(Add.__xpmtype__.identifier)).iterdir())
    assert len(add_jobs) == 1 and (add_jobs[0] / "add.done").exists()


RACE = """
import sys
from experimaestro import experiment
from xpm_fixtures.tasks import Add
with experiment(sys.argv[1], "race-" + sys.argv[2]):
    for i in range(20):
        Add.C(x=i, sleep=0.05).submit()
"""


def test_two_drivers_at_once_run_each_job_once(tmp_path):
    ws = tmp_path / "ws"
    drivers = [driver(RACE, ws, n) for n in range(2)]
    logs = []
    for d in drivers:
        _, err = d.communicate(timeout=120)
        assert d.returncode == 0, err
        logs.append(err)
    folders = list((ws / "jobs" / str(Add.__xpmtype__.identifier)).iterdir())
    assert len(folders) == 20
    assert all(executions(f) == 1 for f in folders)
    assert all((f / "add.done").exists() for f in folders)
    # Each driver says which jobs it started, and which it only followed: together, each
    # job is started once (a job already done when a driver looks at it is not printed)
    started = [line.split()[2] for log in logs for line in log.splitlines()
               if line.startswith("[xpm] started ")]
    assert sorted(started) == sorted(set(started)) and len(started) == 20, logs
    done_here = sum(log.count("[xpm] done    ") - log.count("(run by another process)")
                    for log in logs)
    assert done_here == 20, logs


def test_done_written_by_another_driver_is_reused(tmp_path):
    ws = tmp_path / "ws"
    d = driver(RACE, ws, "a")
    _, err = d.communicate(timeout=120)
    assert d.returncode == 0, err
    with experiment(ws, "reuse"):
        tasks = [Add.C(x=i, sleep=0.05) for i in range(20)]
        for t in tasks:
            t.submit()
    assert all(executions(t.__xpm__.job.path) == 1 for t in tasks)
    assert all(t.__xpm__.job.state.value == "done" for t in tasks)


def _fork_servers_of(pid: int) -> list:
    """The fork server processes started by process `pid`."""
    result = subprocess.run(["pgrep", "-P", str(pid), "-f", "launchers.forkserver"],
                            capture_output=True, text=True)
    return [int(p) for p in result.stdout.split()]


HOLDER = """
import os, sys, time
from pathlib import Path
from experimaestro import experiment
from xpm_fixtures.tasks import Wait
ws, release, holder_pid = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
with experiment(ws, "holder"):
    task = Wait.C(x=1, release=release)
    task.submit()
    started = task.__xpm__.job.path / "started.txt"
    while not started.exists():
        time.sleep(0.05)
    # A child of the driver that inherits its file descriptors (a fork by the user's
    # code, e.g. multiprocessing): it holds the fork server's stdin open after the driver
    # dies
    pid = os.fork()
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    holder_pid.write_text(str(pid))
"""


def test_fork_server_exits_when_its_driver_is_killed(tmp_path):
    ws, release, holder_pid = tmp_path / "ws", tmp_path / "release", tmp_path / "holder"
    first = driver(HOLDER, ws, release, holder_pid)
    task = Wait.C(x=1, release=release)
    jobpath = ws / "jobs" / str(Wait.__xpmtype__.identifier) / task.__identifier__().hex()
    try:
        _wait_for(holder_pid.exists)
        servers = _fork_servers_of(first.pid)
        assert servers, "the driver started no fork server"
        first.send_signal(signal.SIGKILL)
        first.wait()
        deadline = time.time() + 30
        while time.time() < deadline and any(Path(f"/proc/{p}").exists() for p in servers):
            time.sleep(0.2)
        alive = [p for p in servers if Path(f"/proc/{p}").exists()
                 and "forkserver" in Path(f"/proc/{p}/cmdline").read_bytes().decode()]
        assert not alive, f"fork server(s) {alive} outlived their driver"
        # the job it started is not killed with it
        assert not (jobpath / "wait.done").exists() and not (jobpath / "wait.failed").exists()
    finally:
        release.touch()
        if holder_pid.exists():
            os.kill(int(holder_pid.read_text()), signal.SIGKILL)
        if first.poll() is None:
            first.kill()
    _wait_for((jobpath / "wait.done").exists)


CAPPED = """
import sys
from pathlib import Path
from experimaestro import experiment
from experimaestro.launchers.direct import DirectLauncher
from xpm_fixtures.tasks import Wait, Sleep
ws, release, log = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
with experiment(ws, "capped", launcher=DirectLauncher(max_jobs=2)):
    for x in (1, 2):
        Wait.C(x=x, release=release).submit()
    if len(sys.argv) > 4:  # the second driver also has new jobs
        for x in (3, 4):
            Sleep.C(x=x, duration=0.1, log=log).submit()
print("driver finished")
"""


def test_reattached_jobs_hold_their_slots(tmp_path):
    """After a restart, the jobs still running from the first driver count toward the
    local cap: the new jobs wait for them (cap 2, 2 re-attached, 2 new)."""
    ws, release, log = tmp_path / "ws", tmp_path / "release", tmp_path / "spans.log"
    jobs = ws / "jobs" / str(Wait.__xpmtype__.identifier)
    first = driver(CAPPED, ws, release, log)
    second = None
    try:
        _wait_for(lambda: jobs.is_dir() and len(list(jobs.glob("*/started.txt"))) == 2)
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = driver(CAPPED, ws, release, log, "new")
        time.sleep(2.0)  # time enough to start the new jobs, were they allowed to
        assert not log.exists(), "new jobs started beside the 2 re-attached ones (cap 2)"
        release.touch()
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        assert sorted(x for _, _, x in intervals(log)) == [3, 4]
    finally:
        release.touch()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()


def test_job_killed_with_its_driver_runs_again_after_a_quick_restart(tmp_path):
    """Driver killed, then its job killed, then a new driver at once: the dead job
    process (a zombie until the fork server notices) is not re-attached; the job runs
    again and ends done."""
    ws, release = tmp_path / "ws", tmp_path / "release"
    first = driver(DRIVER, ws, release)
    task = Wait.C(x=1, release=release)
    jobpath = ws / "jobs" / str(Wait.__xpmtype__.identifier) / task.__identifier__().hex()
    second = None
    try:
        _wait_for((jobpath / "started.txt").exists)
        job_pid = int((jobpath / "started.txt").read_text())
        first.send_signal(signal.SIGKILL)
        first.wait()
        os.kill(job_pid, signal.SIGKILL)
        second = driver(DRIVER, ws, release)
        _wait_for(lambda: (jobpath / "started.txt").exists()
                  and int((jobpath / "started.txt").read_text()) != job_pid)
        release.touch()
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        assert (jobpath / "wait.done").exists() and "[killed]" not in err
        assert executions(jobpath) == 2  # the killed run, then this one
    finally:
        release.touch()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()


def test_fork_server_leaves_quietly_when_its_driver_is_gone(tmp_path):
    server = subprocess.Popen([sys.executable, "-m", "experimaestro.launchers.forkserver"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        server.stdout.close()  # the driver is gone: nobody reads the answers any more
        request = {"id": 1, "jobdir": str(tmp_path / "missing"),
                   "stdout": str(tmp_path / "job.out"), "stderr": str(tmp_path / "job.err"),
                   "env": dict(os.environ)}
        server.stdin.write((json.dumps(request) + "\n").encode())
        server.stdin.close()  # (closed with the driver too)
        err = server.stderr.read().decode()  # until the server exits
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert "Traceback" not in err and server.returncode == 0, (server.returncode, err)
