"""Generated sbatch scripts (golden files) and options; no cluster needed."""

import os
from pathlib import Path

import pytest

from experimaestro.launchers.slurm import SlurmLauncher, SlurmOptions, format_time
from experimaestro.launchers.slurm.script import array_script, job_script
from experimaestro.scheduler.jobs import Job
from experimaestro.scheduler.workspace import Workspace
from xpm_fixtures.tasks import Add

GOLDEN = Path(__file__).parent / "golden"
#: what SlurmLauncher.environment() gives (launcher info: the Slurm end time in the job)
ENV = {"XPM_PYTHONPATH": "/project", "MY_VAR": "a value with spaces",
       "XPM_LAUNCHER_INFO": "experimaestro.launchers.slurm.info:SlurmInfo"}
OPTIONS = SlurmOptions(partition="gpu", time="4:00:00", gpus_per_node=2, mem="32G",
                       signal="USR1@120").args()


def _job():
    task = Add.C(x=1)
    task.seal()
    return Job(task, workspace=Workspace("/ws"))


def _check(name: str, text: str):
    """Compare with the reviewed file; XPM_UPDATE_GOLDEN=1 rewrites it (then review the diff)."""
    path = GOLDEN / name
    if os.environ.get("XPM_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"missing golden file {path} (run with XPM_UPDATE_GOLDEN=1)"
    assert text == path.read_text()


def test_job_script_golden():
    _check("job.sh", job_script(_job(), "/usr/bin/python3", OPTIONS, ENV))


def test_array_script_golden():
    text = array_script(Path("/ws/.experimaestro/slurm/batch"), "add-array", 100,
                        "/usr/bin/python3", OPTIONS, ENV, chunk_size=2, throttle=10, offset=0)
    _check("array.sh", text)


def test_options_args():
    assert OPTIONS == ["--nodes=1", "--time=4:00:00", "--partition=gpu", "--mem=32G",
                       "--gpus-per-node=2", "--signal=B:USR1@120"]
    assert SlurmOptions(nodes=None).args() == []


def test_config_merges_options():
    base = SlurmLauncher(options=SlurmOptions(partition="cpu", time="1:00:00"))
    gpu = base.config(partition="gpu", gpus=1)
    assert gpu.options.partition == "gpu" and gpu.options.gpus == 1
    assert gpu.options.time == "1:00:00"
    assert base.options.partition == "cpu"  # unchanged
    with pytest.raises(TypeError, match="unknown option\\(s\\) partiton \\(did you mean"
                       " partition\\?\\)"):
        base.config(partiton="x")


def test_sbatch_options_given_to_the_launcher():
    """As in the launcher documentation: SlurmLauncher(nodes=1), then .config(...)."""
    launcher = SlurmLauncher(nodes=2, time="4:00:00")
    assert launcher.options.nodes == 2 and launcher.options.time == "4:00:00"
    gpu = launcher.config(gpus_per_node=1)
    assert gpu.options.gpus_per_node == 1 and gpu.options.nodes == 2
    both = SlurmLauncher(options=SlurmOptions(partition="cpu"), time="1:00:00")
    assert both.options.partition == "cpu" and both.options.time == "1:00:00"
    with pytest.raises(TypeError, match=r"gpu_per_node \(did you mean gpus_per_node\?\)"):
        launcher.config(gpu_per_node=1)


def test_format_time():
    assert format_time(59) == "00:00:59"
    assert format_time(3600 * 5 + 61) == "05:01:01"
    assert format_time(86400 * 2 + 3600) == "2-01:00:00"
    assert SlurmOptions.format_time(90) == "00:01:30"


def test_launcher_surface():
    launcher = SlurmLauncher(binpath="/opt/slurm/bin")
    assert launcher.key["binpath"] == "/opt/slurm/bin"
    assert launcher.max_concurrent() is None
    assert "SlurmInfo" in launcher.launcher_info_code()
    env = launcher.environment(_job(), inherited=False)
    assert env["XPM_LAUNCHER_INFO"] == "experimaestro.launchers.slurm.info:SlurmInfo"


def test_parse_time_limit():
    from experimaestro.launchers.slurm.info import parse_time_limit

    assert parse_time_limit("1-02:03:04") == 93784
    assert parse_time_limit("00:10:00") == 600
    assert parse_time_limit("05:00") == 300
    assert parse_time_limit("UNLIMITED") is None
