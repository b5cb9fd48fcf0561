"""The Slurm launcher against the real local cluster."""

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from experimaestro import FailedExperiment, Results, experiment
from experimaestro.launchers.direct import DirectLauncher
from experimaestro.launchers.slurm import SlurmLauncher, SlurmOptions
from xpm_fixtures.tasks import (Add, Checkpointed, Evaluate, Fail, Metrics, Train, Validation,
                                Wait)

from scheduler.helpers import driver, executions

pytestmark = pytest.mark.slurm


def launcher(slurm_bin, **kwargs):
    options = kwargs.pop("options", SlurmOptions(time="0:10:00"))
    return SlurmLauncher(options=options, binpath=slurm_bin.path, interval=2, **kwargs)


def test_single_task_runs_to_done(tmp_path, slurm_bin):
    with experiment(tmp_path, "one", launcher=launcher(slurm_bin)):
        task = Add.C(x=3)
        task.submit()
    job = task.__xpm__.job
    assert (job.path / "result.txt").read_text() == "3"
    assert (job.path / "add.sh").exists()
    assert len(slurm_bin.calls("sbatch")) == 1


def test_failing_task_ends_failed(tmp_path, slurm_bin):
    with pytest.raises(FailedExperiment, match=r"\[failed\] RuntimeError: failure on purpose"):
        with experiment(tmp_path, "fail", launcher=launcher(slurm_bin)):
            Fail.C(x=1).submit()


def test_dependency_chain(tmp_path, slurm_bin):
    with experiment(tmp_path, "chain", launcher=launcher(slurm_bin)):
        out = Add.C(x=1).submit()
        out = Add.C(x=2, previous=out).submit()
        last = Add.C(x=3, previous=out)
        last.submit()
    assert (last.__xpm__.job.path / "result.txt").read_text() == "5"
    assert len(slurm_bin.calls("sbatch")) == 3


def test_dynamic_outputs_of_a_slurm_job(tmp_path, slurm_bin):
    # Train (Slurm) waits after its first checkpoint until the evaluation of that
    # checkpoint, submitted by the callback (local), has run
    release = tmp_path / "release"
    steps = []

    def evaluate(checkpoint):
        steps.append(checkpoint.step)
        Evaluate.C(checkpoint=checkpoint, release=release).submit(launcher=DirectLauncher())

    with experiment(tmp_path / "ws", "outputs", launcher=launcher(slurm_bin)):
        train = Train.C(steps=2, validation=Validation.C(), release=release)
        train.submit()
        train.watch_output(train.validation.checkpoint, evaluate)
    assert steps == [1, 2]
    assert release.read_text() == "go"


def test_many_tasks_as_arrays(tmp_path, slurm_bin):
    with experiment(tmp_path, "many", launcher=launcher(slurm_bin)):
        tasks = [Add.C(x=i) for i in range(200)]
        for t in tasks:
            t.submit()
    assert len(slurm_bin.calls("sbatch")) <= 2
    assert all(executions(t.__xpm__.job.path) == 1 for t in tasks)
    record = json.loads(tasks[5].__xpm__.job.path.joinpath("add.pid").read_text()) \
        if tasks[5].__xpm__.job.pidpath.exists() else None
    assert record is None  # the job removed its pid file when it ended


def test_invalid_partition_gives_sbatch_message(tmp_path, slurm_bin):
    bad = launcher(slurm_bin, options=SlurmOptions(partition="nosuchpartition"))
    with pytest.raises(FailedExperiment) as info:
        with experiment(tmp_path, "bad", launcher=bad):
            task = Add.C(x=1)
            task.submit()
    assert "invalid partition" in str(info.value).lower()
    record = json.loads(task.__xpm__.job.failedpath.read_text())
    assert "sbatch" in record["message"] and "partition" in record["message"].lower()
    # One line, without the prefixes sbatch repeats ("sbatch: error:")
    assert record["message"].startswith("sbatch refused the job: ")
    assert "Batch job submission failed" in record["message"]
    assert "\n" not in record["message"] and "error:" not in record["message"]
    assert "sbatch:" not in record["message"]


def test_time_limit_of_a_partition(tmp_path, slurm_bin):
    too_long = launcher(slurm_bin, options=SlurmOptions(partition="debug", time="2:00:00"))
    with pytest.raises(FailedExperiment, match="(?i)time limit"):
        with experiment(tmp_path, "long", launcher=too_long):
            Add.C(x=1).submit()


def test_rerun_after_cancelling_half_resubmits_only_the_missing(tmp_path, slurm_bin):
    release = tmp_path / "release"
    ws = tmp_path / "ws"
    tasks = [Wait.C(x=i, release=release) for i in range(10)]
    with pytest.raises(FailedExperiment):
        with experiment(ws, "half", launcher=launcher(slurm_bin, max_concurrent=5)):
            for t in tasks:
                t.submit()
            # Cancel the elements 5..9 (pending: at most 5 run at once), then release
            deadline = time.time() + 60
            while not slurm_bin.calls("sbatch") and time.time() < deadline:
                time.sleep(0.1)
            while time.time() < deadline:
                pid = tasks[0].__xpm__.job.pidpath
                if pid.exists():
                    break
                time.sleep(0.1)
            array_id = json.loads(pid.read_text())["pid"].split("_")[0]
            subprocess.run(["scancel", f"{array_id}_[5-9]"], check=True)
            release.touch()
    done = [t for t in tasks if t.__xpm__.job.donepath.exists()]
    assert len(done) == 5
    before = len(slurm_bin.calls("sbatch"))
    with experiment(ws, "half", launcher=launcher(slurm_bin)):
        again = [Wait.C(x=i, release=release) for i in range(10)]
        for t in again:
            t.submit()
    assert len(slurm_bin.calls("sbatch")) == before + 1
    newest = sorted((ws / ".experimaestro" / "slurm").iterdir())[-1]
    assert len((newest / "jobs.txt").read_text().split()) == 5
    assert all(executions(t.__xpm__.job.path) == 1 for t in again)


DRIVER = """
import sys
from experimaestro import experiment
from experimaestro.launchers.direct import DirectLauncher
from experimaestro.launchers.slurm import SlurmLauncher, SlurmOptions
from xpm_fixtures.tasks import Wait
ws, release, binpath = sys.argv[1], sys.argv[2], sys.argv[3]
launcher = SlurmLauncher(options=SlurmOptions(time="0:10:00"), binpath=binpath, interval=2)
with experiment(ws, "reattach", launcher=launcher):
    Wait.C(x=1, release=release).submit()
print("driver finished")
"""


def test_killed_driver_reattaches_without_resubmitting(tmp_path, slurm_bin):
    ws, release = tmp_path / "ws", tmp_path / "release"
    first = driver(DRIVER, ws, release, slurm_bin.path)
    task = Wait.C(x=1, release=release)
    jobpath = ws / "jobs" / str(Wait.__xpmtype__.identifier) / task.__identifier__().hex()
    deadline = time.time() + 120
    while not (jobpath / "started.txt").exists():
        assert time.time() < deadline, first.stderr.read() if first.poll() is not None else ""
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert len(slurm_bin.calls("sbatch")) == 1
    second = driver(DRIVER, ws, release, slurm_bin.path)
    time.sleep(2)
    release.touch()
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert len(slurm_bin.calls("sbatch")) == 1  # re-attached, not resubmitted
    assert executions(jobpath) == 1 and (jobpath / "wait.done").exists()


def test_status_command_failing_or_hanging_backs_off(tmp_path, slurm_bin):
    slurm_bin.replace("squeue", "echo 'squeue: error: fake failure' >&2; exit 1")
    with experiment(tmp_path / "a", "failing", launcher=launcher(slurm_bin)):
        tasks = [Add.C(x=i) for i in range(3)]
        for t in tasks:
            t.submit()
    assert all(t.__xpm__.job.donepath.exists() for t in tasks)  # markers still seen
    slurm_bin.replace("squeue", "sleep 30")
    hanging = launcher(slurm_bin, query_timeout=1)
    with experiment(tmp_path / "b", "hanging", launcher=hanging):
        task = Add.C(x=10)
        task.submit()
    assert task.__xpm__.job.donepath.exists()


def test_time_limit_then_resumable_retry(tmp_path, slurm_bin):
    """A job killed at its time limit ends with reason timeout; a ResumableTask is retried
    in the same folder and finishes from its checkpoint."""
    short = launcher(slurm_bin, options=SlurmOptions(time="0:01:00"))
    with experiment(tmp_path, "timeout", launcher=short):
        task = Checkpointed.C(seconds=5)
        task.submit(max_retries=2)
    job = task.__xpm__.job
    assert (job.path / "result.txt").read_text() == "5 after 2 attempts"
    rotated = list(job.path.glob("checkpointed.*.err"))
    assert len(rotated) == 1
    assert "job ended: timeout: received SIGTERM at the time limit" in rotated[0].read_text()


def _wait_started(task, timeout=120):
    f = task.__xpm__.job.path / "started.txt"
    deadline = time.time() + timeout
    while not f.exists():
        assert time.time() < deadline, "the job did not start"
        time.sleep(0.2)


def test_jobs_kill_cancels_a_slurm_job(tmp_path, slurm_bin):
    """`experimaestro jobs kill --perform` runs scancel on the real cluster."""
    import sys
    import threading

    ws = tmp_path / "ws"
    task = Wait.C(x=7, release=tmp_path / "never")

    def kill():
        _wait_started(task)
        subprocess.run([sys.executable, "-m", "experimaestro", "jobs", "--workdir", str(ws),
                        "kill", "--perform", task.__identifier__().hex()[:12]],
                       check=True, capture_output=True)

    with pytest.raises(FailedExperiment, match=r"\[cancelled\]"):
        with experiment(ws, "kill", launcher=launcher(slurm_bin)):
            task.submit()
            threading.Thread(target=kill).start()
    assert executions(task.__xpm__.job.path) == 1


def test_warning_signal_becomes_graceful_timeout(tmp_path, slurm_bin):
    """The signal asked with SlurmOptions(signal=...) reaches the task as GracefulTimeout
    (sent here at once with `scancel --signal`, as Slurm does before the time limit)."""
    import threading

    task = Wait.C(x=8, release=tmp_path / "never")

    def warn():
        _wait_started(task)
        slurm_id = json.loads(task.__xpm__.job.pidpath.read_text())["pid"]
        subprocess.run(["scancel", "--batch", "--signal=USR1", slurm_id], check=True)

    warned = launcher(slurm_bin, options=SlurmOptions(time="0:10:00", signal="USR1@60"))
    with pytest.raises(FailedExperiment, match=r"\[timeout\] received SIGUSR1"):
        with experiment(tmp_path / "ws", "signal", launcher=warned):
            task.submit(max_retries=0)
            threading.Thread(target=warn).start()
    record = json.loads(task.__xpm__.job.failedpath.read_text())
    assert record["reason"] == "timeout"


def test_prepare_submitted_to_slurm(tmp_path, slurm_bin):
    """A Prepare run as a job on the cluster; the task needing it runs locally after it."""
    from xpm_fixtures.tasks import Download, UseData

    data = tmp_path / "data"
    data.mkdir()
    with experiment(tmp_path / "ws", "prepare", launcher=DirectLauncher()):
        download = Download.C(name="corpus", folder=data).submit(launcher=launcher(slurm_bin))
        task = UseData.C(data=download)
        task.submit()
    assert (download.__xpm__.prepare_job.path / "prepare.sh").exists()
    assert len(slurm_bin.calls("sbatch")) == 1
    assert Path(task.result).read_text() == "data of corpus"


def test_a_queued_job_is_shown_queued_and_killed_as_cancelled(tmp_path, slurm_bin):
    """Two jobs needing the whole node: one runs, the other waits in the queue, and `jobs
    list` shows it queued, and so does the driver's summary. Killing it with `jobs kill` records it as cancelled (Slurm keeps
    no trace of a pending array element cancelled alone), and the experiment says so."""
    import os
    import threading

    from cli.helpers import environment, xpm

    whole_node = launcher(slurm_bin, options=SlurmOptions(cpus_per_task="2"))
    release = tmp_path / "release"
    ws = tmp_path / "ws"
    tasks = [Wait.C(x=x, release=release) for x in (1, 2)]
    outcome = {}

    def kill_the_waiting_one():
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                started = [t for t in tasks if (t.__xpm__.job.path / "started.txt").exists()]
                if started:
                    break
                time.sleep(0.2)
            waiting = next(t for t in tasks if t not in started).__xpm__.job
            # The driver learns the queue states at its next status query
            while time.time() < deadline:
                outcome["counts"] = counts = xp.scheduler.display.counts()
                if counts["queued"] == 1 and counts["running"] == 1:
                    break
                time.sleep(0.2)
            env = environment(tmp_path / "config",
                              PATH=f"{slurm_bin.path}{os.pathsep}{os.environ['PATH']}")
            listed = xpm("jobs", "list", "--workdir", ws, "--json", cwd=tmp_path, env=env)
            outcome["states"] = {j["id"]: j["state"] for j in json.loads(listed.stdout)}
            outcome["kill"] = xpm("jobs", "kill", "--workdir", ws, "--perform",
                                  f"{waiting.type_id}/{waiting.identifier}", cwd=tmp_path,
                                  env=env)
            outcome["job"] = waiting
        finally:
            release.touch()

    with pytest.raises(FailedExperiment) as info:
        with experiment(ws, "queued", launcher=whole_node) as xp:
            for task in tasks:
                task.submit()
            threading.Thread(target=kill_the_waiting_one).start()
    assert outcome["kill"].returncode == 0, outcome["kill"].stderr
    job = outcome["job"]
    # While it waited, `jobs list` showed it queued (squeue: PENDING), the other running
    assert sorted(outcome["states"].values()) == ["queued", "running"]
    assert outcome["states"][job.identifier] == "queued"
    assert outcome["counts"]["queued"] == 1 and outcome["counts"]["running"] == 1, \
        outcome["counts"]
    assert f"{job.relpath} [cancelled] cancelled with `experimaestro jobs kill` before it" \
        " started" in str(info.value)
    record = json.loads(job.failedpath.read_text())
    assert record["reason"] == "cancelled" and record["code"] is None
    assert executions(job.path) == 0


def test_metrics_of_a_slurm_job(tmp_path, slurm_bin):
    with experiment(tmp_path, "metrics", launcher=launcher(slurm_bin)):
        task = Metrics.C(epochs=2)
        task.submit()
    records = task.__xpm__.job.folder.records()
    assert [(r["step"], r["value"]) for r in records if r.get("metric") == "loss"] == \
        [(0, 1.0), (1, 0.5)]
    assert any(r.get("artifact") == "model" for r in records)
    # Results shows the job, done, with the last value of each metric
    [row] = Results(tmp_path).filter(task=Metrics).rows()
    assert (row.identifier, row.state) == (task.__xpm__.job.identifier, "done")
    assert len(slurm_bin.calls("sbatch")) == 1  # (it ran on Slurm)
    assert row.metrics == {"loss": 0.5, "accuracy": 0.9}
    assert row.submitted <= row.started <= row.ended
    assert [(s["step"], s["value"]) for s in Results(tmp_path).series("loss")] == \
        [(0, 1.0), (1, 0.5)]
