"""``with experiment(workdir, name) as xp:`` — where tasks are submitted."""

import datetime
import enum
import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Dict, List, Optional, Union

from experimaestro.core import hooks
from experimaestro.settings import WorkspaceSettings, get_settings

from experimaestro.exceptions import (  # noqa: F401 - 2.x's module path for these names
    DirtyGitError,
    FailedExperiment,
    GracefulExperimentExit,
)
from experimaestro.jobfolder import write_atomic

from .history import prune_runs
from .jobs import Job, JobState
from .runfiles import RunFiles
from experimaestro.xplock import ExperimentLock
from .workspace import RunMode, Workspace

logger = logging.getLogger("xpm.experiment")

__all__ = ["experiment", "DirtyGitAction", "DirtyGitError", "GracefulExperimentExit",
           "FailedExperiment"]


def _current_workspace() -> Optional[Path]:
    xp = experiment.current_or_none()
    return None if xp is None else xp.workspace.path


class DirtyGitAction(str, enum.Enum):
    """What to do when the project's git repository has uncommitted changes (a str, as in
    2.x: ``DirtyGitAction.WARN == "warn"``)."""

    IGNORE = "ignore"
    WARN = "warn"
    ERROR = "error"


class experiment:
    """Context manager for running an experiment in a workspace.

    ``env`` is the workspace folder (or a WorkspaceSettings); ``name`` the experiment id.
    On exit, waits for every submitted job; raises FailedExperiment if some failed.
    """

    _current: List["experiment"] = []
    #: the innermost running experiment, or None (the attribute of 2.x)
    CURRENT: Optional["experiment"] = None
    _lock = threading.Lock()

    def __init__(self, env: Union[Path, str, object], name: str, *, host: Optional[str] = None,
                 port: Optional[int] = None, token: Optional[str] = None,
                 run_mode: Optional[RunMode] = None, launcher=None, register_signals: bool = True,
                 project_paths: Optional[List[Path]] = None, wait_for_quit: bool = False,
                 dirty_git: DirtyGitAction = DirtyGitAction.WARN, no_db: bool = False,
                 no_environmental_impact: bool = False):
        if hooks.loading_script is not None:
            raise RuntimeError(
                f"experiment {name!r} started while a job imports {hooks.loading_script} to"
                " find its task class: the script runs its experiment at import; put the"
                " experiment under `if __name__ == \"__main__\":` (or the tasks in a"
                " module of their own)")
        self.name = name
        self.run_mode = RunMode.parse(run_mode) if run_mode is not None else RunMode.NORMAL
        # As in 2.x: a folder is a workspace without settings of its own (even when the
        # settings list it), but the top-level env and history of the settings apply
        settings = get_settings()
        if not isinstance(env, WorkspaceSettings):
            path = Path(env).expanduser().absolute()
            env = WorkspaceSettings(id=path.name, path=path)
        self.workspace = Workspace(settings, env, launcher=launcher, run_mode=self.run_mode)
        self.history = settings.history_for(env)
        self.launcher = launcher
        self.register_signals = register_signals
        self.project_paths = project_paths
        self.dirty_git = DirtyGitAction(dirty_git) if isinstance(dirty_git, str) else dirty_git
        self.host, self.port, self.server_token = host, port, token
        self.wait_for_quit = wait_for_quit
        #: the web monitor (port=...), started with the run
        self._monitor = None
        if port is False:
            port = None  # (as "no monitor" in 2.x)
        if port is not None and self.run_mode is RunMode.NORMAL:
            # (loaded only for a monitor: 15 ms more to import the driver otherwise)
            from .monitoring import ExperimentMonitor

            self._monitor = ExperimentMonitor(self.workspace.path, port=port, host=host,
                                              token=token, wait_for_quit=wait_for_quit)
        elif port is not None:
            logger.warning("experiment(port=%r): no web monitor in run mode %s; the argument"
                           " has no effect", port, self.run_mode.name.lower())
        else:
            _warn_without_effect(host=host, token=token, wait_for_quit=wait_for_quit)
        _warn_without_effect(no_environmental_impact=no_environmental_impact)
        self.environment: Dict[str, str] = {}
        self.jobs: Dict[str, Job] = {}
        self._order: List[Job] = []
        self.scheduler = None
        self.run_path: Optional[Path] = None
        #: xp.workdir: the run folder (in dry-run mode, the one a run would have)
        self._workdir: Optional[Path] = None
        self._xp_lock = None
        self._services: Dict[str, object] = {}
        self._prepared: set = set()  # RunMode.PREPARE: identifiers prepared so far
        self._actions: Dict[str, object] = {}
        self._tokens: Dict[str, object] = {}
        self._link_dirs: set = set()
        #: the record files of the run folder (runfiles.py)
        self._run_files = None
        self._outputs = None

    # -- current experiment ------------------------------------------------------

    @staticmethod
    def current() -> "experiment":
        """The experiment of the enclosing ``with`` block."""
        xp = experiment.current_or_none()
        if xp is None:
            raise AssertionError("no experiment is running (use `with experiment(...)`)")
        return xp

    @staticmethod
    def current_or_none() -> Optional["experiment"]:
        return experiment._current[-1] if experiment._current else None

    # -- paths -------------------------------------------------------------------

    @property
    def workdir(self) -> Path:
        """The folder of this run, ``experiments/<name>/<run id>`` (as in 2.x; the
        workspace is ``xp.workspace.path``)."""
        if self._workdir is None:
            raise RuntimeError(f"experiment {self.name}: xp.workdir (the folder of the run)"
                               " exists only inside the `with experiment(...)` block")
        return self._workdir

    @property
    def jobspath(self) -> Path:
        """The run's links to its job folders, ``workdir / "jobs"`` (as in 2.x)."""
        return self.workdir / "jobs"

    @property
    def resultspath(self) -> Path:
        """Where the experiment may store results of this run: ``workdir / "results"``
        (created on first use; only when the jobs really run, as in 2.x)."""
        self._normal_mode_only("xp.resultspath")
        path = self.workdir / "results"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def save(self, obj, name: str = "default"):
        """Save configurations (and what they hold) in the run's ``data/<name>`` folder,
        for :meth:`load` in another experiment; nothing is written in the other run
        modes (as in 2.x)."""
        if self.run_mode is not RunMode.NORMAL:
            return
        from experimaestro.core.serialization import save

        folder = self.workdir / "data" / name
        folder.mkdir(parents=True, exist_ok=True)
        save(obj, folder)

    def load(self, reference: str, name: str = "default", run_id: Optional[str] = None):
        """What the experiment `reference` saved under `name` (:meth:`save`), in its run
        `run_id` (default: its latest run, as in 2.x)."""
        from experimaestro.core.serialization import load

        base = self.workspace.experimentspath / reference
        if run_id is not None:
            run = base / run_id
        else:
            runs = sorted((p for p in base.iterdir() if p.is_dir() and not p.is_symlink()),
                          key=lambda p: p.stat().st_mtime) if base.is_dir() else []
            if not runs:
                raise FileNotFoundError(f"experiment {reference!r} has no run in {base}")
            run = runs[-1]
        folder = run / "data" / name
        if not folder.is_dir():
            raise FileNotFoundError(f"nothing saved under {name!r} in {run} (no {folder};"
                                    f" xp.save(obj, {name!r}) writes it)")
        return load(folder)

    def _normal_mode_only(self, what: str):
        if self.run_mode is not RunMode.NORMAL:
            raise RuntimeError(
                f"{what} is not available in {self.run_mode.value} mode (nothing is written"
                " outside a real run); guard it with `if xp.run_mode == RunMode.NORMAL:`")

    @property
    def xppath(self) -> Path:
        return self.workspace.experimentspath / self.name

    # -- environment and tokens --------------------------------------------------

    def setenv(self, name: str, value: str):
        """Add an environment variable for the jobs (the rest is inherited)."""
        self.environment[name] = str(value)

    def token(self, name: str, count: int):
        """A counter token shared by every experiment of this workspace."""
        from experimaestro.tokens import CounterToken

        token = self._tokens.get(name)
        if token is None:
            token = CounterToken(self.workspace.path / "tokens" / name, count)
            self._tokens[name] = token
        return token

    def add_service(self, service):
        """Register a service (e.g. a tensorboard viewer) with this experiment, under its
        ``id``; it is stopped when the experiment ends. Returns the service, or the
        service already added with this id (the new one is then not used)."""
        sid = getattr(service, "id", None)
        if not sid or not isinstance(sid, str):
            raise ValueError(
                f"add_service: {type(service).__qualname__} has no id (set the class"
                " attribute `id` to a string unique within the experiment)"
            )
        existing = self._services.get(sid)
        if existing is not None:
            if existing is not service:
                logger.warning("experiment %s: a service with the id %s was already added;"
                               " keeping that one", self.name, sid)
            return existing
        self._services[sid] = service
        setter = getattr(service, "set_experiment", None)
        if setter is not None:
            setter(self)
        adder = getattr(service, "add_listener", None)
        if adder is not None:
            adder(_ServicesRecord(self))
        self._write_services()
        return service

    def _write_services(self):
        """``services.json`` of the run folder: what the monitors show of the services
        (id, description, state, URL), rewritten when one changes."""
        if self.run_path is None:
            return
        records = []
        for sid, service in list(self._services.items()):
            full = getattr(service, "full_state_dict", None)
            try:
                record = full() if full is not None else {"service_id": sid}
            except Exception as exc:  # a service that cannot describe itself
                record = {"service_id": sid, "error": str(exc)}
            records.append({k: record.get(k) for k in ("service_id", "description",
                                                          "state", "url")})
        try:
            write_atomic(self.run_path / "services.json", json.dumps(records, indent=1))
        except OSError as exc:
            logger.warning("experiment %s: could not record its services: %s", self.name, exc)

    @property
    def monitor_url(self) -> Optional[str]:
        """The address of this experiment's web monitor (port=...), with its token; None
        without one."""
        return None if self._monitor is None else self._monitor.url

    @property
    def services(self) -> Dict[str, object]:
        """The services of this experiment, by id."""
        return self._services

    def _stop_services(self):
        """End of the experiment: stop the services (errors are logged, not raised)."""
        for sid, service in list(self._services.items()):
            stop = getattr(service, "stop", None)
            if stop is None:
                continue
            try:
                stop()
            except Exception:
                logger.exception("experiment %s: could not stop service %s", self.name, sid)

    # -- actions -----------------------------------------------------------------

    def add_action(self, action) -> str:
        """Record an :class:`~experimaestro.actions.Action` in this run's folder
        (``actions.jsonl``), to be run later with ``experimaestro actions run``; returns
        its id (the hex identifier of the action)."""
        from experimaestro.actions import Action
        from experimaestro.core.identifier import identifier_of
        from experimaestro.core.serialization import SerializationContext, state_dict

        if not isinstance(action, Action):
            raise TypeError(
                f"add_action: expected an experimaestro.Action configuration, got"
                f" {type(action).__name__}"
            )
        action.__xpm__.seal()
        action_id = identifier_of(action).hex()
        if action_id in self._actions:
            return action_id
        self._actions[action_id] = action
        if self._run_files is not None and self.run_mode is RunMode.NORMAL:
            self._run_files.action(action_id, action,
                                   state_dict(SerializationContext(), action))
        return action_id

    @property
    def actions(self) -> Dict[str, object]:
        """The actions added in this run (id -> action)."""
        return self._actions

    # -- jobs --------------------------------------------------------------------

    def find_job(self, identifier: str) -> Optional[Job]:
        return self.jobs.get(identifier)

    def add_job(self, job: Job):
        self.jobs[job.identifier] = job
        self._order.append(job)
        job.environ.update(self.environment)
        if job.run_mode is RunMode.DRY_RUN:
            state = job.disk_state()
            print(f"[dry-run] {job.relpath} {job.config.__xpm__.xpmtype.identifier}"
                  f" state={state.state}", file=sys.stdout)
            if state.state == "done":
                job.set_finished(JobState.DONE)
            return
        if job.run_mode is RunMode.PREPARE:
            prepare_now(job, self._prepared)
            return
        if job.run_mode is RunMode.GENERATE_ONLY:
            job.prepare()
            self._record(job)
            if job.disk_state().state == "done":
                job.set_finished(JobState.DONE)
            return
        if job.disk_state().state == "done" and output_still_valid(job):
            # Finished earlier (by us or by experimaestro 2.x): nothing to schedule
            self._record(job)
            self.scheduler.add_finished(job)
            return
        job.prepare()
        self._record(job)
        self.scheduler.submit(job)

    def _record(self, job: Job):
        """Link the job from the run folder, and record it (jobs.jsonl, objects.jsonl)."""
        if self.run_path is None:
            return
        folder = f"{self.run_path}/jobs/{job.type_id}"
        if folder not in self._link_dirs:
            os.makedirs(folder, exist_ok=True)
            self._link_dirs.add(folder)
        try:
            # The link's folder is experiments/<name>/<run>/jobs/<type id>/
            os.symlink(f"../../../../../jobs/{job.type_id}/{job.identifier}",
                       f"{folder}/{job.identifier}")
        except FileExistsError:
            pass
        self._run_files.job(job)

    @property
    def dynamic_outputs(self):
        """The jobs watched with ``watch_output`` (created on first use)."""
        if self._outputs is None:
            from .dynamic_outputs import DynamicOutputs

            self._outputs = DynamicOutputs()
        return self._outputs

    def wait(self):
        """Wait until every submitted job has ended (transient jobs not needed so far end
        as skipped). Meanwhile the outputs watched with ``watch_output`` are delivered to
        their callbacks, here, and the jobs that callbacks submit are waited for too."""
        while True:
            outputs = self._outputs
            if outputs is not None and self.scheduler is not None:
                while outputs.pending():
                    self.scheduler.wait_all(timeout=0.5)
                    outputs.poll()
            if self.scheduler is not None:
                self.scheduler.end_of_submissions()
                self.scheduler.wait_all()
                self.scheduler.reopen_submissions()
            # The last outputs of the jobs that ended; their callbacks may submit more
            if outputs is None or not outputs.poll():
                return

    # -- context -----------------------------------------------------------------

    def __enter__(self):
        self._check_git()
        if self._monitor is not None:
            # First: a port already taken fails here, before a run is opened
            self.workspace.prepare()
            self._monitor.start()
        try:
            self._start_run()
        except BaseException:
            if self._monitor is not None:
                self._monitor.stop()
            raise
        with experiment._lock:
            experiment._current.append(self)
            experiment.CURRENT = self
            Workspace.CURRENT = self.workspace
        return self

    def _start_run(self):
        """The run folder (not in dry-run mode) and the scheduler (normal mode)."""
        if self.run_mode is not RunMode.DRY_RUN:
            self.workspace.prepare()
            self._open_run()
            self._workdir = self.run_path
        else:
            self._workdir = self.xppath / self._new_run_id()
        if self.run_mode is RunMode.NORMAL:
            from .scheduler import Scheduler

            self.scheduler = Scheduler(self)
            self.scheduler.start()

    def _check_git(self):
        """dirty_git: warn (default) or refuse to run when the project has uncommitted changes."""
        if self.dirty_git is DirtyGitAction.IGNORE:
            return
        state = _git_state(self.project_paths)
        if not state or not state.get("dirty"):
            return
        message = (f"experiment {self.name}: the git repository of the project has"
                   " uncommitted changes (dirty_git=ignore to silence this)")
        if self.dirty_git is DirtyGitAction.ERROR:
            raise DirtyGitError(message.replace("ignore to silence this",
                                                "warn or ignore to run anyway"))
        import logging

        logging.getLogger("xpm").warning(message)

    def _open_run(self):

        self.xppath.mkdir(parents=True, exist_ok=True)
        self._xp_lock = ExperimentLock(self.xppath / "lock")
        if not self._xp_lock.acquire(blocking=False):
            logger.warning("experiment %s is running elsewhere: waiting for it", self.name)
            self._xp_lock.acquire()
        run_id = self._new_run_id()
        self.run_path = self.xppath / run_id
        (self.run_path / "jobs").mkdir(parents=True)
        current = self.xppath / "current"
        tmp = self.xppath / f".current.{os.getpid()}"
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(run_id, tmp)
        os.replace(tmp, current)
        self._run_files = RunFiles(self.run_path, self.name)
        self._write_environment(status="running")

    def _new_run_id(self) -> str:
        """A timestamp, ``.N`` after the runs started in the same second (2.x's names)."""
        stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
        return _new_run_id(self.xppath, stamp) if self.xppath.is_dir() else stamp

    def _write_environment(self, status: str, ended: bool = False):
        import platform

        if self.run_path is None:
            return
        path = self.run_path / "environment.json"
        info = {}
        if path.exists():
            try:
                info = json.loads(path.read_text())
            except ValueError:
                info = {}
        if not info:
            info = {
                "python": sys.version,
                "host": platform.node(),
                "experiment": self.name,
                "started": datetime.datetime.now().isoformat(),
                "git": _git_state(self.project_paths),
            }
        info["status"] = status
        if ended:
            info["ended"] = datetime.datetime.now().isoformat()
        write_atomic(path, json.dumps(info, indent=1))

    def _prune_history(self, status: str):
        """Remove the older runs of this experiment beyond the ``history`` of the settings
        (under the experiment lock: no other run of it is starting)."""
        if self.run_path is None or self.run_mode is not RunMode.NORMAL:
            return
        try:
            prune_runs(self.xppath, self.run_path.name, status, self.history)
        except OSError as exc:
            logger.warning("experiment %s: could not clean up its old runs in %s: %s",
                           self.name, self.xppath, exc)

    def __exit__(self, exc_type, exc, tb):
        # GracefulExperimentExit: leave without waiting; running jobs go on (as in 2.x)
        detached = exc_type is not None and issubclass(exc_type, GracefulExperimentExit)
        error = None
        if exc_type is None and self._outputs is not None:
            # Callbacks of watched outputs run while the experiment is still current
            try:
                self.wait()
            except BaseException as e:  # noqa: BLE001 - re-raised below, after cleaning up
                error = e
                exc_type = type(e)
        with experiment._lock:
            if self in experiment._current:
                experiment._current.remove(self)
            experiment.CURRENT = experiment._current[-1] if experiment._current else None
            Workspace.CURRENT = experiment.CURRENT.workspace if experiment.CURRENT else None
        failures = []
        interrupted = False
        try:
            if self.scheduler is not None:
                self.scheduler.end_of_submissions()
                if exc_type is None:
                    try:
                        self.scheduler.wait_all()
                    except BaseException:
                        interrupted = True  # Ctrl-C: running jobs go on (re-attached later)
                        self.scheduler.cancel_pending()
                        raise
                else:
                    self.scheduler.cancel_pending()
                self.scheduler.stop()
                failures = self.scheduler.failures()
        finally:
            if self._monitor is not None and not interrupted and exc_type is None:
                self._monitor.wait()  # wait_for_quit: until the user quits
            self._stop_services()
            if self._monitor is not None:
                self._monitor.stop()
            if interrupted or exc_type is KeyboardInterrupt:
                status = "interrupted"
            elif detached:
                status = "detached"
            else:
                status = "failed" if (failures or exc_type) else "done"
            if self._run_files is not None:
                self._run_files.close(status, {j.identifier: j.state.value
                                               for j in self._order})
                self._run_files = None
            try:
                self._write_environment(status, ended=True)
                self._prune_history(status)
            finally:
                if self._xp_lock is not None:
                    self._xp_lock.release()
        if error is not None:
            raise error
        if exc_type is None and failures:
            raise FailedExperiment(failures)
        return detached


class _ServicesRecord:
    """Rewrites the run's services.json when a service changes state (a ServiceListener)."""

    def __init__(self, xp: "experiment"):
        self.xp = xp

    def service_state_changed(self, service):
        self.xp._write_services()


def _new_run_id(xppath: Path, stamp: str) -> str:
    """``stamp``, or ``stamp.N`` after the runs started in the same second: always after
    them (a name freed by the history cleanup is not reused, which would make this run
    look older than they are)."""
    suffixes = []
    for name in os.listdir(xppath):
        base, _, suffix = name.partition(".")
        if base == stamp and (suffix == "" or suffix.isdigit()):
            suffixes.append(int(suffix or 0))
    return f"{stamp}.{max(suffixes) + 1}" if suffixes else stamp


def _git_state(paths) -> Optional[dict]:
    import subprocess

    cwd = str(paths[0]) if paths else os.getcwd()
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True,
                               text=True, timeout=5)
        if dirty.returncode != 0:
            return None  # not a git repository
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                                text=True, timeout=5)
        return {"commit": commit.stdout.strip() if commit.returncode == 0 else None,
                "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


#: arguments of 2.x's experiment() that have no effect in this version, and why
_WITHOUT_EFFECT = {
    "host": "it is the address of the web monitor, which needs port= too",
    "token": "it is the token of the web monitor, which needs port= too",
    "wait_for_quit": "it keeps the web monitor up, which needs port= too",
    "no_environmental_impact": "carbon tracking is not provided, so there is nothing to"
                               " disable",
}


def _warn_without_effect(**given):
    """One warning for each argument given that has no effect here (never silently)."""
    for name, value in given.items():
        if value not in (None, False):
            logger.warning("experiment(%s=%r): %s; the argument has no"
                                             " effect", name, value, _WITHOUT_EFFECT[name])


def run_without_experiment(job: Job):
    """submit(workspace=...) outside an experiment: only the non-running modes work."""
    if job.run_mode is RunMode.DRY_RUN:
        print(f"[dry-run] {job.relpath} state={job.disk_state().state}")
        return
    if job.run_mode is RunMode.PREPARE:
        prepare_now(job, set())
        return
    if job.run_mode is RunMode.GENERATE_ONLY:
        job.workspace.prepare()
        job.prepare()
        return
    raise RuntimeError(
        "running a job needs an experiment: call submit() inside `with experiment(workdir,"
        " name):` (or use run_mode=RunMode.GENERATE_ONLY)"
    )


def prepare_now(job: Job, done: set):
    """RunMode.PREPARE: prepare what the task holds, now, and run nothing else (`done`:
    identifiers already prepared by this experiment)."""
    from experimaestro.core.identifier import identifier_of

    from .prepare import PrepareTask, prepare_targets, run_preparation

    targets = prepare_targets(job.config)
    if isinstance(job.config, PrepareTask):
        targets.append(job.config.target)
    for cfg in targets:
        key = identifier_of(cfg).hex()
        if key in done:
            continue
        try:
            run_preparation(cfg)
        except Exception as e:
            name = type(cfg).__xpm_user_class__.__qualname__
            raise RuntimeError(
                f"run mode prepare: preparing {name} (held by {job.relpath}) failed:"
                f" {type(e).__name__}: {e}"
            ) from e
        done.add(key)


def output_still_valid(job: Job) -> bool:
    """A done job whose task says its output is gone (``__xpm_output_valid__()`` is
    False, e.g. a PrepareTask whose prepared data was deleted) runs again: its .done
    marker is removed."""
    check = getattr(job.config, "__xpm_output_valid__", None)
    if check is None or check():
        return True
    logger.info("%s: the output is no longer valid, the job runs again", job.relpath)
    job.donepath.unlink(missing_ok=True)
    return False


# @cache (in core) finds the workspace of the experiment in progress through this
hooks.set_workspace_provider(_current_workspace)
