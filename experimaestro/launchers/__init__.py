"""Launchers: how a job folder is run (a local process, a Slurm job...).

A launcher only knows job folders (``job.path``) and a few job attributes (environment,
log paths): never Task classes.
"""

from abc import ABC, abstractmethod
from typing import Optional

__all__ = ["Launcher", "LauncherProcess", "LaunchError", "DynamicLauncher", "DirectLauncher"]


def __getattr__(name):
    # Launchers are imported when asked for (job processes do not need them)
    if name == "DynamicLauncher":
        from .dynamic import DynamicLauncher

        return DynamicLauncher
    if name == "DirectLauncher":
        from .direct import DirectLauncher

        return DirectLauncher
    raise AttributeError(f"module 'experimaestro.launchers' has no attribute {name!r}")


class LaunchError(RuntimeError):
    """The launcher could not start the job (e.g. sbatch refused it): the job fails."""


class LauncherProcess(ABC):
    """A started job, as seen by the scheduler."""

    @abstractmethod
    async def wait(self) -> int:
        """Wait for the end of the job; returns its exit code."""

    @abstractmethod
    def kill(self):
        """Stop the job (SIGTERM, or scancel)."""

    @abstractmethod
    def pid_record(self) -> dict:
        """The content of the job's .pid file."""

    #: Why the job ended, when the launcher knows better than the exit code
    end_reason = None
    end_message = None


class Launcher(ABC):
    """Base class of launchers."""

    def __init__(self, connector=None, *, priority: float = 0):
        if connector is None:
            from experimaestro.connectors.local import LocalConnector

            connector = LocalConnector.instance()
        self.connector = connector
        self.priority = priority
        self.environ: dict = {}

    @abstractmethod
    async def launch(self, job) -> LauncherProcess:
        """Start the job; returns a handle to await its end."""

    @abstractmethod
    def launcher_info_code(self) -> str:
        """Python code setting up launcher information in the job (empty: none)."""

    def max_concurrent(self) -> Optional[int]:
        """How many jobs of this launcher may run at once (None: no limit)."""
        return None

    async def close(self):
        """Release what the launcher holds for the current event loop (at scheduler stop)."""

    def onSubmit(self, job):
        """Called when a job is submitted with this launcher."""

    def setenv(self, name: str, value: str):
        self.environ[name] = value

    @staticmethod
    def get(path=None) -> "Launcher":
        """The default launcher (local processes)."""
        from .direct import DirectLauncher

        return DirectLauncher()
