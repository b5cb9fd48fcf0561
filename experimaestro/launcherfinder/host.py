"""What this host offers: cores, memory and GPUs, as a HostSpecification."""

import logging
import os
import platform
import shutil
import subprocess
import sys
from typing import List

from .specs import CPUSpecification, CudaSpecification, HostSpecification, MPSSpecification

__all__ = ["local_host", "cpu_count", "total_memory", "cuda_gpus"]

logger = logging.getLogger(__name__)

NVIDIA_SMI = ["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"]


def cpu_count() -> int:
    """Cores this process may use (its CPU affinity when known)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def total_memory() -> int:
    """Total RAM in bytes (``/proc/meminfo``, else sysconf; 0 if unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    value, unit = line.split()[1:3]
                    return int(value) * (1024 if unit.lower() == "kb" else 1)
    except (OSError, ValueError, IndexError):
        pass
    if sys.platform == "darwin":
        try:
            out = subprocess.run(["sysctl", "-n", "hw.memsize"], capture_output=True, text=True,
                                 timeout=10)
            return int(out.stdout.strip())
        except (OSError, ValueError, subprocess.SubprocessError):
            return 0
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def cuda_gpus() -> List[CudaSpecification]:
    """CUDA GPUs reported by ``nvidia-smi`` (none when it is absent or fails)."""
    if shutil.which(NVIDIA_SMI[0]) is None:
        return []
    try:
        result = subprocess.run(NVIDIA_SMI, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        logger.warning("could not list the GPUs with nvidia-smi: %s", exc)
        return []
    if result.returncode != 0:
        logger.warning("nvidia-smi failed (exit code %d): %s", result.returncode,
                       result.stderr.strip())
        return []
    gpus = []
    for line in result.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            gpus.append(CudaSpecification(memory=int(float(line)) * 1024**2))  # MiB
        except ValueError:
            logger.warning("nvidia-smi: cannot read the memory %r", line)
    return gpus


def local_host() -> HostSpecification:
    """This host: its cores and memory, its CUDA GPUs, or its MPS GPU on Apple Silicon."""
    memory = total_memory()
    accelerators = []
    if sys.platform == "darwin" and platform.machine() == "arm64":
        accelerators.append(MPSSpecification(memory=memory))
    return HostSpecification(
        cpu=CPUSpecification(cores=cpu_count(), memory=memory),
        cuda=cuda_gpus(),
        accelerators=accelerators,
    )

def describe(host: HostSpecification) -> str:
    """E.g. '2 cores, 23.5 GiB of memory and no GPU'."""
    from .units import human_size

    memory = f"{human_size(host.cpu.memory)} of memory" if host.cpu.memory else "unknown memory"
    if not host.accelerators:
        gpus = "no GPU"
    else:
        gpus = ", ".join(
            f"{a.keyword} GPU" + (f" ({human_size(a.memory)})" if a.memory else "")
            for a in host.accelerators
        )
    return f"{host.cpu.cores} cores, {memory} and {gpus}"
