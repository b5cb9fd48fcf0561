"""SlurmLauncher: jobs run on a Slurm cluster, many similar jobs as one job array."""

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from .. import LaunchError, Launcher, LauncherProcess
from ..handles import ProcessHandle
from .commands import SlurmCommandError, run_command
from .options import SlurmOptions, format_time
from .poller import QUEUED_STATES, SlurmPoller
from .script import LAUNCHER_INFO, array_script, job_script

__all__ = ["SlurmLauncher", "SlurmOptions", "format_time", "SlurmProcess", "SlurmHandle"]

_pollers: Dict[tuple, SlurmPoller] = {}
_max_array: Dict[str, int] = {}


def poller_for(binpath: str, interval: float, query_timeout: float = 30) -> SlurmPoller:
    """The poller of a cluster (one per Slurm installation and event loop)."""
    loop = asyncio.get_running_loop()
    key = (binpath, id(loop))
    poller = _pollers.get(key)
    if poller is None or poller.loop is not loop:
        poller = _pollers[key] = SlurmPoller(binpath, interval, loop)
    else:
        poller.max_interval = max(poller.max_interval, interval)
    poller.query_timeout = query_timeout
    return poller


class SlurmProcess(LauncherProcess):
    """A job (or a job array element) in the Slurm queue."""

    def __init__(self, slurm_id: str, job, launcher: "SlurmLauncher"):
        self.slurm_id = slurm_id
        self.job = job
        self.launcher = launcher
        self.end_reason = None
        self.end_message = None

    async def wait(self) -> int:
        self._poller = poller_for(self.launcher.binpath, self.launcher.interval,
                                  self.launcher.query_timeout)
        code, self.end_reason, self.end_message = await self._poller.follow(self.slurm_id,
                                                                            self.job)
        return code

    @property
    def queued(self) -> bool:
        """Waiting in the queue at the poller's last look."""
        poller = getattr(self, "_poller", None)
        return poller is not None and poller.queue_states.get(self.slurm_id) in QUEUED_STATES

    def kill(self):
        asyncio.get_running_loop().create_task(self.launcher.cancel(self.slurm_id))

    def pid_record(self) -> dict:
        return {"type": "slurm", "pid": self.slurm_id, "binpath": self.launcher.binpath}


class SlurmLauncher(Launcher):
    """Submits jobs with sbatch; ready jobs sharing the same options go in one job array.

    :param options: sbatch options (each non-None field becomes ``--field-name=value``)
    :param interval: longest time between two status queries (seconds)
    :param launcherenv: environment variables added to the jobs'
    :param binpath: folder of sbatch, squeue, sacct, scancel, scontrol
    :param array: submit several ready jobs as one array (False: one sbatch per job)
    :param chunk_size: jobs run one after another by each array element
    :param max_concurrent: at most this many array elements run at once (``%N``)
    :param batch_delay: how long ready jobs are gathered before submitting them
    :param query_timeout: a status query that takes longer is abandoned (and retried later)
    """

    launcher_info = LAUNCHER_INFO

    def __init__(self, *, connector=None, options: Optional[SlurmOptions] = None,
                 interval: float = 60, main=None, launcherenv: Optional[Dict[str, str]] = None,
                 binpath: str = "/usr/bin", priority: float = 0, array: bool = True,
                 chunk_size: int = 1, max_concurrent: Optional[int] = None,
                 batch_delay: float = 0.2, query_timeout: float = 30, **sbatch_options):
        """`sbatch_options` (e.g. ``SlurmLauncher(nodes=1, time="4:00:00")``) are
        SlurmOptions fields, applied over `options`."""
        super().__init__(connector, priority=priority)
        if chunk_size < 1:
            raise ValueError(f"SlurmLauncher(chunk_size={chunk_size}): must be at least 1")
        self.options = options or SlurmOptions()
        if sbatch_options:
            self.options = self.options.merge(**sbatch_options)
        self.interval = interval
        self.main = main
        self.launcherenv = dict(launcherenv or {})
        self.environ.update(self.launcherenv)
        self.binpath = str(binpath)
        self.array = array
        self.chunk_size = chunk_size
        self.array_max_concurrent = max_concurrent
        self.batch_delay = batch_delay
        self.query_timeout = query_timeout
        self._batches: Dict[tuple, "_Batch"] = {}

    # -- configuration -----------------------------------------------------------

    def config(self, **kwargs) -> "SlurmLauncher":
        """A new launcher with some options changed (``launcher.config(time="2:00:00")``)."""
        new = SlurmLauncher(connector=self.connector, options=self.options.merge(**kwargs),
                            interval=self.interval, main=self.main,
                            launcherenv=self.launcherenv, binpath=self.binpath,
                            priority=self.priority, array=self.array,
                            chunk_size=self.chunk_size,
                            max_concurrent=self.array_max_concurrent,
                            batch_delay=self.batch_delay,
                            query_timeout=self.query_timeout)
        new.environ = dict(self.environ)
        return new

    @property
    def key(self) -> dict:
        """What identifies the cluster (for status queries)."""
        return {"binpath": self.binpath, "connector": type(self.connector).__name__}

    def max_concurrent(self) -> Optional[int]:
        return None  # the cluster decides

    def __repr__(self):
        return f"SlurmLauncher({' '.join(self.options.args())})"

    # -- submission --------------------------------------------------------------

    def _environment(self, job) -> Dict[str, str]:
        """Variables written in the script (sbatch passes the rest of the environment)."""
        return self.environment(job, inherited=False)

    def _python(self) -> str:
        return self.main or sys.executable

    def scriptbuilder(self):
        """Writes the job's sbatch script (``builder(job) -> path``)."""
        return lambda job: self._write_job_script(job, self._environment(job))

    def _write_job_script(self, job, env) -> Path:
        path = job.path / f"{job.name}.sh"
        path.write_text(job_script(job, self._python(), self.options.args(), env))
        return path

    async def launch(self, job) -> SlurmProcess:
        env = self._environment(job)
        if not self.array:
            return await self._submit_single(job, env)
        key = (id(asyncio.get_running_loop()), tuple(sorted(env.items())))
        batch = self._batches.get(key)
        if batch is None or batch.closed:
            batch = self._batches[key] = _Batch(self, env)
        return await batch.add(job)

    async def _submit_single(self, job, env) -> SlurmProcess:
        script = self._write_job_script(job, env)
        slurm_id = await self._sbatch(script, cwd=job.path)
        return SlurmProcess(slurm_id, job, self)

    async def _sbatch(self, script: Path, cwd: Path) -> str:
        try:
            out = await run_command(self.binpath, "sbatch", ["--parsable", str(script)],
                                    timeout=120, env=self._sbatch_env())
        except SlurmCommandError as exc:
            raise LaunchError(f"sbatch refused the job: {exc.detail}") from exc
        return out.strip().split(";")[0]

    def _sbatch_env(self) -> dict:
        env = dict(os.environ)
        # Our own options are in the script; do not let inherited SBATCH_* change them
        for k in [k for k in env if k.startswith("SBATCH_")]:
            del env[k]
        return env

    async def max_array_size(self) -> int:
        found = _max_array.get(self.binpath)
        if found is None:
            found = 1001  # Slurm's default
            try:
                out = await run_command(self.binpath, "scontrol", ["show", "config"],
                                        timeout=60)
                for line in out.splitlines():
                    if line.strip().startswith("MaxArraySize"):
                        found = int(line.split("=", 1)[1].strip())
            except (SlurmCommandError, ValueError):
                pass
            _max_array[self.binpath] = found
        return found

    async def submit_array(self, jobs: List, env: Dict[str, str]) -> List[str]:
        """Submit jobs as arrays (split in shards of at most MaxArraySize elements)."""
        if len(jobs) == 1:
            return [(await self._submit_single(jobs[0], env)).slurm_id]
        workspace = jobs[0].workspace
        stamp = time.strftime("%Y%m%d%H%M%S")
        batchdir = workspace.path / ".experimaestro" / "slurm" / f"{stamp}-{os.getpid()}-{id(jobs):x}"
        batchdir.mkdir(parents=True, exist_ok=True)
        (batchdir / "jobs.txt").write_text("".join(f"{job.path}\n" for job in jobs))
        elements = -(-len(jobs) // self.chunk_size)
        shard = max(1, await self.max_array_size() - 1)
        ids: List[str] = []
        previous = None
        for first in range(0, elements, shard):
            count = min(shard, elements - first)
            options = self.options.args()
            if previous is not None and self.array_max_concurrent:
                # The %N cap holds across shards: the next shard waits for the previous
                options.append(f"--dependency=afterany:{previous}")
            script = batchdir / f"array-{first}.sh"
            script.write_text(array_script(
                batchdir, f"{jobs[0].name}-array", count, self._python(), options, env,
                chunk_size=self.chunk_size, throttle=self.array_max_concurrent,
                offset=first * self.chunk_size))
            array_id = await self._sbatch(script, cwd=batchdir)
            previous = array_id
            for element in range(count):
                start = (first + element) * self.chunk_size
                for _ in jobs[start:start + self.chunk_size]:
                    ids.append(f"{array_id}_{element}")
        return ids

    async def cancel(self, slurm_id: str):
        try:
            await run_command(self.binpath, "scancel", [slurm_id], timeout=60)
        except SlurmCommandError as exc:
            import logging

            logging.getLogger("xpm.slurm").warning("scancel %s failed: %s", slurm_id, exc)


class _Batch:
    """Ready jobs gathered for a short while, then submitted together."""

    MAX_WAIT = 2.0

    def __init__(self, launcher: SlurmLauncher, env: Dict[str, str]):
        self.launcher = launcher
        self.env = env
        self.entries: List[tuple] = []
        self.closed = False
        self.started = time.monotonic()
        self.timer = None

    async def add(self, job) -> SlurmProcess:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.entries.append((job, future))
        if self.timer is not None:
            self.timer.cancel()
        delay = min(self.launcher.batch_delay,
                    max(0.0, self.started + self.MAX_WAIT - time.monotonic()))
        self.timer = loop.call_later(delay, lambda: loop.create_task(self.flush()))
        return await future

    async def flush(self):
        if self.closed:
            return
        self.closed = True
        jobs = [job for job, _ in self.entries]
        try:
            ids = await self.launcher.submit_array(jobs, self.env)
        except Exception as exc:  # noqa: BLE001 - every waiting job gets the error
            for _, future in self.entries:
                if not future.done():
                    future.set_exception(exc)
            return
        for (job, future), slurm_id in zip(self.entries, ids):
            if not future.done():
                future.set_result(SlurmProcess(slurm_id, job, self.launcher))


class SlurmHandle(ProcessHandle):
    """A job in a Slurm queue, from its ``.pid`` record (``{"type": "slurm", "pid": ID,
    "binpath": FOLDER}``; records without ``binpath`` use the Slurm commands on PATH)."""

    type = "slurm"
    queue = True

    def __init__(self, record: dict):
        super().__init__(record)
        self.slurm_id = str(record.get("pid"))
        #: None: the Slurm commands found on PATH
        self.binpath = record.get("binpath") or None

    def alive(self) -> bool:
        return True  # the queue decides (asked by the poller, or by queued())

    def kill(self):
        result = subprocess.run([_command(self.binpath, "scancel"), self.slurm_id],
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise OSError(result.stderr.strip()
                          or f"scancel exited with code {result.returncode}")

    def describe(self) -> str:
        return f"Slurm job {self.slurm_id} (scancel {self.slurm_id})"

    def follow(self, job, launcher) -> SlurmProcess:
        binpath = self.binpath or _binpath_on_path()
        if not (isinstance(launcher, SlurmLauncher) and launcher.binpath == binpath):
            launcher = SlurmLauncher(binpath=binpath)
        return SlurmProcess(self.slurm_id, job, launcher)

    @classmethod
    def queued(cls, handles) -> set:
        """One squeue per Slurm installation; nothing when Slurm cannot be asked."""
        by_binpath: Dict[str, list] = {}
        for handle in handles:
            by_binpath.setdefault(handle.binpath, []).append(handle)
        found = set()
        for binpath, group in by_binpath.items():
            states = _queue_states(binpath, {h.slurm_id.split("_", 1)[0] for h in group})
            found.update(h for h in group if states.get(h.slurm_id) in QUEUED_STATES)
        return found


def _queue_states(binpath: Optional[str], job_ids) -> Dict[str, str]:
    try:
        result = subprocess.run(
            [_command(binpath, "squeue"), "-h", "-r", "-o", "%i|%T", "-j",
             ",".join(sorted(job_ids))], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    states = {}
    for line in result.stdout.splitlines():
        sid, _, state = line.strip().partition("|")
        states[sid] = state
    return states


def _command(binpath: Optional[str], name: str) -> str:
    return os.path.join(binpath, name) if binpath else name


def _binpath_on_path() -> str:
    found = shutil.which("squeue")
    return os.path.dirname(found) if found else "/usr/bin"
