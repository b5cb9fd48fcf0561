"""Process handles: a job's .pid record gives back a handle through the registry, so that
the scheduler and the CLI never need to know which launcher started a job."""

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from experimaestro import experiment
from experimaestro.core.identifier import identifier_of
from experimaestro.jobfolder import JobFolder, marker_name, write_atomic
from experimaestro.launchers import LauncherProcess
from experimaestro.launchers.handles import (LocalHandle, ProcessHandle, handle_for,
                                             queued_handles, register_handle)
from xpm_fixtures.tasks import Add

from scheduler.helpers import executions


def test_records_give_their_handles():
    assert handle_for(None) is None
    assert handle_for("garbage") is None
    assert handle_for({"type": "no-such-launcher", "pid": 1}) is None
    assert isinstance(handle_for({"type": "local", "pid": 1}), LocalHandle)
    slurm = handle_for({"type": "slurm", "pid": "12_3", "binpath": "/opt/slurm/bin"})
    assert type(slurm).__name__ == "SlurmHandle" and slurm.queue and not slurm.local
    assert slurm.describe() == "Slurm job 12_3 (scancel 12_3)"
    assert slurm.binpath == "/opt/slurm/bin"
    assert slurm.alive()  # the queue decides, not a cheap look


def test_local_handle_sees_and_stops_its_process():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                               start_new_session=True)
    try:
        handle = handle_for({"type": "local", "pid": process.pid})
        assert handle.alive() and handle.local and not handle.queue
        assert handle.describe() == f"local process group {process.pid} (SIGTERM)"
        handle.kill()
        assert process.wait(10) < 0
        assert not handle.alive()
    finally:
        process.kill()
        process.wait()


class RemoteProcess(LauncherProcess):
    """A job run elsewhere: it ends when the test says so (writing its .done marker)."""

    def __init__(self, job, release):
        self.job = job
        self.release = release

    async def wait(self) -> int:
        while not self.release.exists():
            await asyncio.sleep(0.05)
        write_atomic(self.job.folder.done, "")
        return 0

    def kill(self):
        pass

    def pid_record(self) -> dict:
        return {}


class RemoteHandle(ProcessHandle):
    """The handle of a launcher defined outside experimaestro."""

    type = "remote-test"
    queue = True
    followed = []

    def alive(self) -> bool:
        return True

    def kill(self):
        raise ProcessLookupError

    def describe(self) -> str:
        return f"remote job {self.record['pid']}"

    def follow(self, job, launcher):
        RemoteHandle.followed.append((self.record["pid"], job.identifier))
        return RemoteProcess(job, Path(self.record["release"]))

    @classmethod
    def queued(cls, handles):
        return {h for h in handles if h.record["pid"] == "waiting"}


def test_a_registered_record_type_is_followed_by_the_scheduler(tmp_path):
    """A job started by a launcher the scheduler has never heard of (its .pid record has a
    type registered by that launcher) is followed through the registered handle."""
    register_handle("remote-test", RemoteHandle)
    release = tmp_path / "release"
    task = Add.C(x=41)
    type_id = str(Add.__xpmtype__.identifier)
    folder = JobFolder(tmp_path / "jobs" / type_id / identifier_of(task).hex(),
                       marker_name(type_id))
    folder.path.mkdir(parents=True)
    folder.pid.write_text(json.dumps({"type": "remote-test", "pid": "r1",
                                      "release": str(release)}))
    with experiment(tmp_path, "remote"):
        task.submit()
        job = task.__xpm__.job
        deadline = time.time() + 30
        while job.run.process is None and time.time() < deadline:
            time.sleep(0.05)
        assert job.attached and job.state.value == "running"
        release.touch()
    assert RemoteHandle.followed == [("r1", job.identifier)]
    assert job.state.value == "done" and job.attached
    assert executions(job.path) == 0  # never started here


def test_queued_handles_asks_each_kind_once():
    register_handle("remote-test", RemoteHandle)
    handles = [handle_for({"type": "remote-test", "pid": p}) for p in ("waiting", "running")]
    local = handle_for({"type": "local", "pid": 1})
    assert queued_handles(handles + [local]) == {handles[0]}


def test_a_followed_process_gone_without_a_marker_is_lost(tmp_path):
    """A job whose recorded local process (not a child of this driver) dies without a
    marker: the driver cannot know how it ended, and records it as lost."""
    import pytest

    from experimaestro import FailedExperiment

    task = Add.C(x=43)
    type_id = str(Add.__xpmtype__.identifier)
    folder = JobFolder(tmp_path / "jobs" / type_id / identifier_of(task).hex(),
                       marker_name(type_id))
    folder.path.mkdir(parents=True)
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                               start_new_session=True)
    folder.pid.write_text(json.dumps({"type": "local", "pid": process.pid}))
    try:
        with pytest.raises(FailedExperiment) as info:
            with experiment(tmp_path, "lost"):
                task.submit()
                job = task.__xpm__.job
                deadline = time.time() + 30
                while job.run.process is None and time.time() < deadline:
                    time.sleep(0.05)
                assert job.attached
                process.kill()
                process.wait()
    finally:
        process.kill()
    assert f"{job.relpath} [lost] the job process is gone" in str(info.value)
    record = json.loads(folder.failed.read_text())
    assert record["reason"] == "lost"
    assert executions(job.path) == 0
