"""launchers.example.py (top of the repository): which launcher each requirement gets."""

import importlib
import importlib.util
from pathlib import Path

import pytest

from experimaestro.launcherfinder import LauncherNotFoundError, find_launcher
from experimaestro.launcherfinder.parser import parse
from experimaestro.launchers.direct import DirectLauncher

EXAMPLE = Path(__file__).resolve().parents[2] / "launchers.example.py"
GiB = 2**30


@pytest.fixture
def slurm():
    return importlib.import_module("experimaestro.launchers.slurm")


@pytest.fixture
def example(slurm):
    spec = importlib.util.spec_from_file_location("launchers_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find(example, text, tags=()):
    return example.find_launcher(parse(text), set(tags))


def test_small_cpu_job_runs_here(example):
    launcher = find(example, "duration=1h & cpu(cores=2, mem=4GiB)")
    assert isinstance(launcher, DirectLauncher)
    assert find(example, "cpu(cores=1)") is launcher  # one shared local launcher


def test_big_cpu_job_goes_to_the_cpu_partition(example, slurm):
    launcher = find(example, "duration=12h & cpu(cores=16, mem=64GiB)")
    assert isinstance(launcher, slurm.SlurmLauncher)
    options = launcher.options
    assert options.partition == "cpu"
    assert options.time == "12:00:00"
    assert options.cpus_per_task == 16
    assert options.mem == "65536M"
    assert not options.gpus_per_node and not options.gpus


def test_cpu_job_tagged_slurm(example, slurm):
    launcher = find(example, "duration=1h & cpu(cores=1)", tags={"slurm"})
    assert isinstance(launcher, slurm.SlurmLauncher)
    assert (launcher.options.partition, launcher.options.time) == ("cpu", "1:00:00")


def test_one_gpu_for_two_hours(example, slurm):
    launcher = find(example, "duration=2h & cuda(mem=20GiB)")
    assert isinstance(launcher, slurm.SlurmLauncher)
    options = launcher.options
    assert options.partition == "gpu"
    assert options.time == "2:00:00"
    assert options.gpus_per_node == 1


def test_two_gpus_and_a_generic_gpu_request(example):
    launcher = find(example, "duration=36h & cpu(cores=32) & gpu(mem=40GiB) * 2")
    assert launcher.options.partition == "gpu"
    assert launcher.options.gpus_per_node == 2
    assert launcher.options.time == "1-12:00:00"
    assert launcher.options.cpus_per_task == 32


def test_too_many_cores_for_one_gpu(example):
    # At most 16 cores per GPU on the gpu partition
    assert find(example, "duration=2h & cpu(cores=17) & cuda(mem=1GiB)") is None


def test_four_gpus_are_beyond_the_cluster(example):
    assert find(example, "duration=2h & cuda(mem=20GiB) * 4") is None


def test_gpu_too_big(example):
    assert find(example, "duration=2h & cuda(mem=64GiB)") is None


def test_mps_is_not_available(example):
    assert find(example, "duration=2h & mps(mem=8GiB)") is None


def test_duration_too_long(example):
    assert find(example, "duration=3d & cuda(mem=8GiB)") is None  # gpu: 2 days at most
    assert find(example, "duration=4d & cpu(cores=1)") is None  # cpu: 3 days at most
    assert find(example, "duration=3d & cpu(cores=1)").options.time == "3-0:00:00"


def test_alternatives_fall_back(example):
    launcher = find(example, "duration=3d & cuda(mem=8GiB) | duration=3d & cpu(cores=8)")
    assert launcher.options.partition == "cpu"


def test_no_duration_gets_the_default_time(example):
    assert find(example, "cuda(mem=8GiB)").options.time == "4:00:00"


def test_as_the_users_launchers_py(example, slurm, tmp_path, monkeypatch):
    """Copied to the configuration folder, the example answers find_launcher()."""
    (tmp_path / "launchers.py").write_text(EXAMPLE.read_text())
    monkeypatch.setenv("XPM_CONFIG_DIR", str(tmp_path))
    launcher = find_launcher("duration=2h & cuda(mem=20GiB) * 4", "duration=2h & cuda(mem=20GiB) * 2")
    assert (launcher.options.partition, launcher.options.gpus_per_node) == ("gpu", 2)
    assert isinstance(find_launcher("cpu(cores=1)"), DirectLauncher)
    with pytest.raises(LauncherNotFoundError, match="returned None for it"):
        find_launcher("duration=2h & cuda(mem=20GiB) * 4")
