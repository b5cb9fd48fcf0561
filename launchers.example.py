"""An example launchers.py: a machine with a Slurm cluster behind it.

Copy it to ~/.config/experimaestro/launchers.py (or $XPM_CONFIG_DIR/launchers.py) and adapt
the numbers. experimaestro calls find_launcher(requirements, tags) for each requirement
given to experimaestro.launcherfinder.find_launcher(), e.g.

    find_launcher("duration=2h & cpu(cores=4)")                   -> runs here
    find_launcher("duration=12h & cpu(mem=64GiB, cores=16)")      -> Slurm, partition "cpu"
    find_launcher("duration=2h & cuda(mem=20GiB)")                -> Slurm, partition "gpu"

and uses the first launcher returned (None means "not here": the next requirement is
tried, and if none gets a launcher, find_launcher raises LauncherNotFoundError).

Check it with:  experimaestro find-launchers "duration=2h & cuda(mem=20GiB)"
"""

import math
from typing import Set

from experimaestro.launcherfinder import (
    CPUSpecification,
    CudaSpecification,
    HostRequirement,
    HostSpecification,
)

GiB = 1024**3
HOUR = 3600

# Sizes in requirements: 16G is 16 x 10^9 bytes, 16GiB is 16 x 2^30 bytes.

# --- What each place offers -----------------------------------------------------------

# This machine: small CPU jobs (up to 4 cores, 16 GiB, 2 hours) run here, without
# waiting in the Slurm queue.
LOCAL = HostSpecification(
    cpu=CPUSpecification(cores=4, memory=16 * GiB),
    max_duration=2 * HOUR,
)

# Slurm partition "cpu": nodes with 64 cores and 256 GiB, jobs up to 3 days.
CPU_PARTITION = HostSpecification(
    cpu=CPUSpecification(cores=64, memory=256 * GiB),
    max_duration=72 * HOUR,
)

# Slurm partition "gpu": nodes with 2 A6000 (48 GiB each), 32 cores (at most 16 per GPU)
# and 192 GiB, jobs up to 2 days. min_gpu=1: jobs without a GPU never go there.
# (Adding min_memory=8 * GiB to the CudaSpecification would keep these GPUs for jobs that
# ask for at least 8 GiB of GPU memory.)
GPU_PARTITION = HostSpecification(
    cpu=CPUSpecification(cores=32, memory=192 * GiB, cpu_per_gpu=16),
    accelerators=[CudaSpecification(memory=48 * GiB, model="A6000")] * 2,
    max_duration=48 * HOUR,
    min_gpu=1,
)

# Time given to Slurm jobs whose requirement has no duration
DEFAULT_TIME = 4 * HOUR


def slurm_time(seconds: int) -> str:
    """A Slurm --time value: [D-]HH:MM:SS."""
    seconds = seconds or DEFAULT_TIME
    days, rest = divmod(seconds, 24 * HOUR)
    hours, rest = divmod(rest, HOUR)
    minutes, seconds = divmod(rest, 60)
    hms = f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{days}-{hms}" if days else hms


def slurm_mem(size: int):
    """A Slurm --mem value (Slurm's M is 2^20 bytes), or None when nothing was asked."""
    return f"{math.ceil(size / 2**20)}M" if size else None


# Launchers are created once, on first use, and shared by all the jobs: the local one
# limits how many jobs run at once here, and the Slurm launchers returned by .config()
# come from one base launcher per partition.
_LAUNCHERS = {}


def _local():
    from experimaestro.launchers.direct import DirectLauncher

    if "local" not in _LAUNCHERS:
        _LAUNCHERS["local"] = DirectLauncher()
    return _LAUNCHERS["local"]


def _partition(name: str):
    from experimaestro.launchers.slurm import SlurmLauncher, SlurmOptions

    if name not in _LAUNCHERS:
        _LAUNCHERS[name] = SlurmLauncher(options=SlurmOptions(partition=name))
    return _LAUNCHERS[name]


def find_launcher(requirements: HostRequirement, tags: Set[str] = set()):
    """A launcher for `requirements`, or None if neither this machine nor Slurm fits."""
    # 1. Small CPU jobs run on this machine (unless tagged "slurm")
    if "slurm" not in tags and requirements.match(LOCAL):
        return _local()

    # 2. Jobs asking for GPUs: the gpu partition (as many GPUs as asked, 16 cores each at most)
    if match := requirements.match(GPU_PARTITION):
        gpus = len(match.requirement.accelerators)
        return _partition("gpu").config(
            time=slurm_time(match.requirement.duration),
            gpus_per_node=gpus,
            cpus_per_task=match.cores or None,
            mem=slurm_mem(match.memory),
        )

    # 3. Other CPU jobs: the cpu partition
    if match := requirements.match(CPU_PARTITION):
        return _partition("cpu").config(
            time=slurm_time(match.requirement.duration),
            cpus_per_task=match.cores or None,
            mem=slurm_mem(match.memory),
        )

    # Too big or too long for every place: find_launcher() tries the next requirement
    return None
