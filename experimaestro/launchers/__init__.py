"""Launchers: how a job folder is run (a local process, a Slurm job...).

A launcher only knows job folders (``job.path``) and a few job attributes (environment,
log paths): never Task classes.
"""

import os
import sys
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
    #: the job still waits in a queue (its process has not started)
    queued = False


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

    async def reattach(self, job, record: Optional[dict]) -> LauncherProcess:
        """A handle to await the end of a job that another process started (an earlier
        driver, another experiment), from its ``.pid`` record (None: not written yet).
        The record says which launcher started it (see handles.py), not this one."""
        from .follow import MarkerFollower  # (asyncio and watchdog: driver only)
        from .handles import handle_for

        handle = handle_for(record)
        if handle is None:
            return MarkerFollower(job, self)
        return handle.follow(job, self)

    def max_concurrent(self) -> Optional[int]:
        """How many jobs of this launcher may run at once (None: no limit)."""
        return None

    async def close(self):
        """Release what the launcher holds for the current event loop (at scheduler stop)."""
        import asyncio

        from .follow import MarkerEvents

        MarkerEvents.close_loop(asyncio.get_running_loop())

    def setenv(self, name: str, value: str):
        self.environ[name] = value

    def environment(self, job, inherited: bool = True) -> dict:
        """The job's environment: the driver's (when `inherited`), then the workspace's,
        the launcher's and the job's variables, and the driver's Python path."""
        env = dict(os.environ) if inherited else {}
        env.update(job.workspace.env)
        env.update(self.environ)
        env.update(job.environ)
        paths = [os.getcwd() if p == "" else p for p in sys.path]
        env["XPM_PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        return env

    @staticmethod
    def get(path=None) -> "Launcher":
        """The default launcher (local processes)."""
        from .direct import DirectLauncher

        return DirectLauncher()
