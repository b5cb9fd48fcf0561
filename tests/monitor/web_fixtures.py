"""Real workspaces for the web monitor's tests: experiments run in subprocesses (as a
user runs them), with tasks defined in a module of their own (a job process imports it;
it must not re-run the experiment script)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .projects import project_env, write_project

#: an experiment of ended jobs: three Echo (tag x), a Twice depending on the first, a Fail
DONE_XP = '''
import sys
from experimaestro import experiment, tag, FailedExperiment
from tasks import Echo, Twice, Fail

try:
    with experiment(sys.argv[1], "xp"):
        first = Echo.C(x=tag(1)).submit()
        for x in (2, 3):
            Echo.C(x=tag(x)).submit()
        Twice.C(source=first).tag("kind", "twice").submit()
        Fail.C(x=tag(9)).submit()
except FailedExperiment:
    pass
'''

#: an experiment that runs until killed: a Gate job (ends when the gate file exists) and
#: a Sleep job (ends in a minute)
LIVE_XP = '''
import sys
from experimaestro import experiment, tag, FailedExperiment
from tasks import Gate, Sleep

try:
    with experiment(sys.argv[1], "live"):
        Gate.C(gate=sys.argv[2]).tag("role", "gate").submit()
        Sleep.C(seconds=60).tag("role", "sleep").submit()
except FailedExperiment:
    pass
'''


def write_tasks(folder: Path) -> Path:
    return write_project(folder, done_xp=DONE_XP, live_xp=LIVE_XP)


def run_done_experiment(code: Path, workspace: Path):
    """Run the "xp" experiment to its end (its Fail job fails on purpose)."""
    result = subprocess.run([sys.executable, str(code / "done_xp.py"), str(workspace)],
                            env=project_env(code), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def start_live_experiment(code: Path, workspace: Path, gate: Path) -> subprocess.Popen:
    """Start the "live" experiment; returns once both of its jobs run (their .pid)."""
    process = subprocess.Popen([sys.executable, str(code / "live_xp.py"), str(workspace),
                                str(gate)], env=project_env(code), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = list((workspace / "jobs").glob("tasks.*/*/*.pid"))
        if len(pids) >= 2:
            return process
        if process.poll() is not None:
            raise AssertionError("the live experiment ended early:\n"
                                 + process.stdout.read().decode(errors="replace"))
        time.sleep(0.1)
    stop_process(process)
    raise AssertionError(f"the jobs of the live experiment did not start in {workspace}")


def stop_process(process: subprocess.Popen):
    """End an experiment subprocess and what it started (its session)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def job_folder(workspace: Path, task: str, tag_text: str = "") -> Path:
    """The folder of the (only) job of ``tasks.<task>`` whose params.json holds
    ``tag_text``."""
    found = [p.parent for p in (workspace / "jobs" / f"tasks.{task.lower()}").glob(
        "*/params.json") if tag_text in p.read_text()]
    assert len(found) == 1, f"expected one tasks.{task} job with {tag_text!r}: {found}"
    return found[0]


def kill_jobs(workspace: Path):
    """End the job processes still running in ``workspace`` (they outlive their
    experiment by design), by the pid of their .pid record."""
    for record in (workspace / "jobs").glob("*/*/*.pid"):
        try:
            pid = json.loads(record.read_text()).get("pid")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(pid, int) and pid > 1:
            try:
                os.kill(pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
