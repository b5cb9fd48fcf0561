"""experimaestro launchers slurm configure against the real local cluster: the launchers.py
written from its sinfo picks the partitions of the cluster (start-slurm.sh sets up
`debug`, the default, 30 minutes at most, and `long`, 7 days), and a job submitted with
the launcher it gives runs there."""

import shutil
import subprocess
from pathlib import Path

import pytest

from cli.helpers import out, xpm
from experimaestro import experiment
from experimaestro.launcherfinder import find_launcher
from experimaestro.launchers.slurm import sinfo
from xpm_fixtures.tasks import Add

pytestmark = pytest.mark.slurm


@pytest.fixture
def config(tmp_path):
    """A configuration folder whose launchers.py is written by `slurm configure`."""
    folder = tmp_path / "config"
    result = xpm("launchers", "slurm", "configure", "--perform", cwd=tmp_path,
                 config_dir=folder)
    assert result.returncode == 0, out(result)
    assert f"Wrote {folder / 'launchers.py'}" in result.stderr
    return folder


def test_the_cluster_is_read_from_sinfo():
    kinds = {kind.partition: kind for kind in sinfo.read()}
    assert kinds["debug"].default and not kinds["long"].default
    assert (kinds["debug"].max_time, kinds["long"].max_time) == (30 * 60, 7 * 86400)
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout
    assert kinds["debug"].cpus >= int(nproc) and kinds["debug"].memory > 0


def test_requirements_go_to_the_partitions_of_the_cluster(tmp_path, config):
    text = (config / "launchers.py").read_text()
    assert f'BINPATH = "{Path(shutil.which("sinfo")).parent}"' in text
    cases = {
        "duration=10m & cpu(cores=1)": "--time=00:10:00 --partition=debug --cpus-per-task=1",
        "duration=2h & cpu(mem=1GiB)": "--time=02:00:00 --partition=long --mem=1024M",
    }
    for spec, options in cases.items():
        result = xpm("find-launchers", spec, "--config", config, cwd=tmp_path)
        assert result.returncode == 0, out(result)
        assert result.stdout.strip() == f"SlurmLauncher(--nodes=1 {options})"
    for spec in ("cpu(cores=1000)", "duration=8d", "cuda(mem=1GiB)"):
        result = xpm("find-launchers", spec, "--config", config, cwd=tmp_path)
        assert result.returncode == 1 and "returned None" in result.stderr, out(result)


def test_a_job_runs_with_the_launcher_found(tmp_path, config):
    launcher = find_launcher("duration=10m & cpu(cores=1, mem=200MiB)", config_dir=config)
    with experiment(tmp_path / "ws", "configured", launcher=launcher):
        task = Add.C(x=7)
        task.submit()
    job = task.__xpm__.job
    assert (job.path / "result.txt").read_text() == "7"
    script = (job.path / "add.sh").read_text()
    assert "#SBATCH --partition=debug" in script and "#SBATCH --mem=200M" in script
