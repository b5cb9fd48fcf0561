"""A job: one submitted task, its folder and its state."""

import enum
import json
import threading
import time
from pathlib import Path
from typing import Callable, List, Optional

from experimaestro.jobfolder import DiskState, JobFolder, marker_name, write_atomic


#: guards the on_completed callbacks of every job (registered from the driver's thread,
#: called from the scheduler's)
_CALLBACKS = threading.Lock()


class JobState(enum.Enum):
    """Scheduler-side state of a job."""

    UNSCHEDULED = "unscheduled"
    WAITING = "waiting"  # dependencies not done yet
    READY = "ready"  # waiting for a token or a launcher slot
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"
    SKIPPED = "skipped"  # a transient job that nothing needed

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.ERROR, JobState.SKIPPED)


class RunState:
    """A job's run in this driver: its one record. The scheduler changes it (in its loop);
    anyone reads it. ``process`` is what runs the job now (a process we started, or one we
    follow); ``future`` resolves in the loop when the job ends, ``ended`` is set then (for
    the driver's thread); ``needed`` (transient jobs) is set when a job needs this one."""

    __slots__ = ("state", "reason", "message", "attached", "retries", "started_at",
                 "ended_at", "process", "future", "ended", "needed")

    def __init__(self):
        self.state = JobState.UNSCHEDULED
        self.reason: Optional[str] = None
        self.message: Optional[str] = None
        #: run by another process (an earlier driver, another experiment): followed here
        self.attached = False
        self.retries = 0
        self.started_at: Optional[float] = None
        self.ended_at: Optional[float] = None
        self.process = None
        self.future = None
        self.ended = threading.Event()
        self.needed = None

    @property
    def queued(self) -> bool:
        """Started, but its process still waits in a queue (a pending Slurm job)."""
        return self.state is JobState.RUNNING and bool(getattr(self.process, "queued", False))


class Job:
    """A task submitted to a workspace: folder ``jobs/<type id>/<identifier>``."""

    def __init__(self, config, *, workspace, launcher=None, run_mode=None, max_retries=None,
                 transient=None, backup=None):
        from .workspace import RunMode, TransientMode

        self.config = config
        self.workspace = workspace
        self.launcher = launcher
        self.run_mode = run_mode or RunMode.NORMAL
        self.max_retries = max_retries
        self.transient = transient or TransientMode.NONE
        xpmtype = type(config).__xpm_user_class__.__xpmtype__
        self.type_id: str = str(xpmtype.identifier)
        self.identifier: str = config.__identifier__().hex()
        self.name = marker_name(self.type_id)
        self.path: Path = workspace.job_folder(self.type_id, self.identifier)
        #: the job folder's files, state, markers and lock (the protocol: jobfolder.py)
        self.folder = JobFolder(self.path, self.name)
        self.output = None
        #: the run in this driver (state, why it ended, what runs it)
        self.run = RunState()
        self.dependencies: List["Job"] = []
        self.dependents: List["Job"] = []
        self.environ: dict = {}
        self.progress: list = []
        self.submitted_at: Optional[float] = None
        self._on_completed: List[Callable] = []
        self._tags: Optional[dict] = None
        self.scheduler = None

    # -- the run record, read through the job (the names of 2.x) ------------------

    @property
    def state(self) -> JobState:
        return self.run.state

    @property
    def failure_reason(self) -> Optional[str]:
        return self.run.reason

    @property
    def failure_message(self) -> Optional[str]:
        return self.run.message

    @property
    def attached(self) -> bool:
        return self.run.attached

    @property
    def retries(self) -> int:
        return self.run.retries

    @property
    def started_at(self) -> Optional[float]:
        return self.run.started_at

    @property
    def ended_at(self) -> Optional[float]:
        return self.run.ended_at

    # -- files -----------------------------------------------------------------

    @property
    def jobpath(self) -> Path:
        return self.path

    @property
    def relpath(self) -> str:
        return f"jobs/{self.type_id}/{self.identifier}"

    @property
    def donepath(self) -> Path:
        return self.folder.done

    @property
    def failedpath(self) -> Path:
        return self.folder.failed

    @property
    def pidpath(self) -> Path:
        return self.folder.pid

    @property
    def lockpath(self) -> Path:
        return self.folder.lock_file

    @property
    def stdout(self) -> Path:
        return self.folder.stdout

    @property
    def stderr(self) -> Path:
        return self.folder.stderr

    @property
    def params_path(self) -> Path:
        return self.folder.params

    @property
    def task_id(self) -> str:
        return self.type_id

    @property
    def locator(self) -> str:
        return f"{self.type_id}/{self.identifier}"

    def disk_state(self) -> DiskState:
        return self.folder.state()

    def tags(self) -> dict:
        """The tags of the task (and of the configurations it holds), computed once: the
        task is sealed."""
        if self._tags is None:
            self._tags = self.config.__xpm__.tags()
        return self._tags

    # -- preparation -----------------------------------------------------------

    def prepare(self, overwrite: bool = False):
        """Create the job folder and write params.json (atomically)."""
        from experimaestro.core.serialization import params_dict

        self.path.mkdir(parents=True, exist_ok=True)
        if overwrite or not self.params_path.exists():
            params = params_dict(self.config, jobpath=self.path, workspace=self.workspace.path,
                                 tags=self.tags())
            write_atomic(self.params_path, json.dumps(params, indent=1))

    def rotate_logs(self):
        """Rename non-empty stdout/stderr with a timestamp before a new attempt."""
        stamp = time.strftime("%Y%m%d%H%M%S")
        for p in (self.stdout, self.stderr):
            if p.exists() and p.stat().st_size > 0:
                target = p.with_name(f"{self.name}.{stamp}.{p.suffix[1:]}")
                n = 0
                while target.exists():  # two attempts within one second
                    n += 1
                    target = p.with_name(f"{self.name}.{stamp}-{n}.{p.suffix[1:]}")
                p.rename(target)

    # -- completion ------------------------------------------------------------

    def set_finished(self, state: JobState, reason: Optional[str] = None,
                     message: Optional[str] = None):
        run = self.run
        with _CALLBACKS:  # on_completed() sees either the end or an unfinished job
            run.state, run.reason, run.message = state, reason, message
            callbacks = self._on_completed if state is JobState.DONE else []
            self._on_completed = []
        run.ended_at = time.time()
        run.process = None
        run.ended.set()
        for cb in callbacks:
            try:
                cb()
            except Exception:  # a callback must not stop the scheduler
                import logging

                logging.getLogger("xpm").exception("on_completed callback failed")

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until the job ends; True if it succeeded."""
        if self.scheduler is None and not self.run.ended.is_set():
            raise RuntimeError(
                f"{self.relpath}: this job is not scheduled (run mode {self.run_mode.value})"
            )
        self.run.ended.wait(timeout)
        return self.state is JobState.DONE

    def on_completed(self, callback: Callable):
        """Call ``callback()`` when the job succeeds (at once if it already has)."""
        with _CALLBACKS:
            if self.state is not JobState.DONE:
                self._on_completed.append(callback)
                return
        callback()

    def watch_output(self, method, callback, config=None):
        """Call ``callback(output)`` for each output of ``method`` (a method of the task or
        of a configuration it holds) announced by the running task. `config`: the task
        configuration the method belongs to (a task submitted twice shares the job of the
        first; default: the job's own)."""
        from .experiment import experiment

        xp = experiment.current_or_none()
        if xp is None:
            raise RuntimeError("watch_output() needs the experiment the task was submitted in")
        xp.dynamic_outputs.watch(self.config if config is None else config, method, callback)

    def __repr__(self):
        return f"Job({self.relpath}, {self.state.value})"
