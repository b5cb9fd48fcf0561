"""DirectLauncher: each job is a local Python process."""

import asyncio
import os
import signal
import sys
from typing import Optional

from . import Launcher, LauncherProcess

__all__ = ["DirectLauncher"]


class LocalProcess(LauncherProcess):
    def __init__(self, process: "asyncio.subprocess.Process"):
        self.process = process

    async def wait(self) -> int:
        return await self.process.wait()

    def kill(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def pid_record(self) -> dict:
        return {"type": "local", "pid": self.process.pid}


class DirectLauncher(Launcher):
    """Runs jobs as local processes, at most ``max_jobs`` at once (default: CPU count)."""

    def __init__(self, connector=None, *, priority: float = 0, max_jobs: Optional[int] = None):
        super().__init__(connector, priority=priority)
        if max_jobs is not None and max_jobs < 1:
            raise ValueError(f"DirectLauncher(max_jobs={max_jobs}): must be at least 1")
        self.max_jobs = max_jobs

    def max_concurrent(self) -> Optional[int]:
        if self.max_jobs is not None:
            return self.max_jobs
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def launcher_info_code(self) -> str:
        return ""

    def scriptbuilder(self):
        return None

    async def launch(self, job) -> LocalProcess:
        env = job_environment(job, self)
        with open(job.stdout, "ab") as out, open(job.stderr, "ab") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "experimaestro.run", str(job.path),
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                cwd=str(job.path),
                # Own session: a Ctrl-C in the driver's terminal does not kill the jobs
                start_new_session=True,
            )
        return LocalProcess(process)

    def __repr__(self):
        return f"DirectLauncher(max_jobs={self.max_concurrent()})"


def job_environment(job, launcher) -> dict:
    """The job's environment: the driver's, plus workspace, launcher and job variables."""
    env = dict(os.environ)
    env.update(job.workspace.env)
    env.update(launcher.environ)
    env.update(job.environ)
    paths = [os.getcwd() if p == "" else p for p in sys.path]
    env["XPM_PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env
