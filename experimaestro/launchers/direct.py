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
    """Runs jobs as local processes, at most ``max_jobs`` at once (default: CPU count).

    With ``fork=True`` (the default; ``XPM_NO_FORK=1`` disables it), jobs are forked from
    a small server process that has experimaestro loaded, which saves the start-up of a
    new interpreter for each job. A job whose environment changes Python start-up
    variables (PYTHONPATH, PYTHONHASHSEED...) still gets a fresh interpreter.
    """

    def __init__(self, connector=None, *, priority: float = 0, max_jobs: Optional[int] = None,
                 fork: Optional[bool] = None):
        super().__init__(connector, priority=priority)
        if max_jobs is not None and max_jobs < 1:
            raise ValueError(f"DirectLauncher(max_jobs={max_jobs}): must be at least 1")
        self.max_jobs = max_jobs
        self.fork = (os.environ.get("XPM_NO_FORK", "") in ("", "0")) if fork is None else fork
        self._clients = {}
        #: one start of the fork server at a time per loop (jobs launched together)
        self._starting = {}

    def max_concurrent(self) -> Optional[int]:
        if self.max_jobs is not None:
            return self.max_jobs
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    async def launch(self, job) -> LauncherProcess:
        env = self.environment(job)
        if self.fork:
            client = await self._client(env)
            if client is not None:
                return await client.spawn(str(job.path), str(job.stdout), str(job.stderr), env)
        with open(job.stdout, "ab") as out, open(job.stderr, "ab") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "experimaestro.run", str(job.path),
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                cwd=str(job.path),
                # Own session: a Ctrl-C in the driver's terminal does not kill the jobs
                start_new_session=True,
            )
        return LocalProcess(process)

    async def _client(self, env: dict):
        from .forkclient import ForkClient
        from .forkserver import needs_fresh_process

        loop = asyncio.get_running_loop()
        # The jobs launched while the server starts wait for it instead of each starting
        # their own (a client is alive only once its process runs)
        async with self._starting.setdefault(loop, asyncio.Lock()):
            client = self._clients.get(loop)
            if client is None or not client.alive:
                if client is not None:
                    await client.close()
                server_env = dict(os.environ)
                server_env["XPM_PYTHONPATH"] = env["XPM_PYTHONPATH"]
                client = ForkClient(server_env)
                self._clients[loop] = client
                await client.start()
        if needs_fresh_process(env, client.env):
            return None
        return client

    async def close(self):
        self._starting.pop(asyncio.get_running_loop(), None)
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()
        await super().close()

    def __repr__(self):
        return f"DirectLauncher(max_jobs={self.max_concurrent()})"

