"""The job side: ``python -m experimaestro.run JOBDIR`` runs the task of a job folder.

It takes the job lock, re-checks ``.done`` (another process may have run the job), rebuilds
the task from ``params.json``, runs the init tasks then ``execute()``, and writes ``.done``
or ``.failed`` (JSON with a reason). Imports only the configuration core.
"""

import os
import signal
import sys
import time
from pathlib import Path

from experimaestro.exceptions import GracefulTimeout, TaskCancelled, TimeLimitReached
from experimaestro.jobfolder import FailureReason, JobFolder

EXIT_FAILED = 1
EXIT_TIMEOUT = 3
EXIT_CANCELLED = 4
EXIT_LOCKED = 5


def _fail(folder: JobFolder, reason: FailureReason, message: str, code: int):
    print(f"[experimaestro] job ended: {reason}: {message}", file=sys.stderr)
    folder.write_failure(reason, message, code)


#: the TaskCancelled a signal raised in this job: a task that catches it and returns is
#: not done (as in 2.x), the job ends as cancelled all the same
_cancellation = None


def _on_signal(signum, frame):
    global _cancellation
    # Restore the default handler: a second signal kills at once
    signal.signal(signum, signal.SIG_DFL)
    name = signal.Signals(signum).name
    remaining = _remaining_time()
    if signum == signal.SIGTERM and remaining is not None and remaining <= _TIME_LIMIT_MARGIN:
        _cancellation = TimeLimitReached(f"received {name} at the time limit of the job",
                                         remaining_time=remaining)
    else:
        _cancellation = TaskCancelled(f"received signal {name}", remaining_time=remaining)
    raise _cancellation


def _on_warning_signal(signum, frame):
    """The cluster warns that the time limit is near (sbatch --signal)."""
    raise GracefulTimeout(
        f"received {signal.Signals(signum).name}: the time limit of the job is near")


#: a SIGTERM this close to the time limit (seconds) is the cluster ending the job
_TIME_LIMIT_MARGIN = 90.0


def _remaining_time():
    """Seconds left before the job's time limit (the launcher knows it), or None."""
    from experimaestro.taskglobals import Env

    info = Env.instance().launcher_info
    if info is None:
        return None
    try:
        return info.remaining_time()
    except Exception:  # noqa: BLE001 - a signal handler must not fail on it
        return None


def run_job(jobdir: Path) -> int:
    folder = JobFolder.of(Path(jobdir).absolute())
    lock = folder.try_lock()
    if lock is None:
        # Another process holds the job (the driver starting it, or another run of it):
        # wait for it, then re-check .done below
        lock = folder.lock()
    with lock:
        if folder.done.exists():
            return 0
        folder.clear_failure()
        folder.write_started()
        return _execute(folder)


def _execute(folder: JobFolder) -> int:
    global _cancellation
    _cancellation = None
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGUSR1, _on_warning_signal)
    try:
        from experimaestro.core.serialization import from_task_dir
        from experimaestro.taskglobals import Env

        env = Env.instance()
        env.taskpath = folder.path
        env.workspace = folder.path.parents[2]
        env.slave = True
        _setup_launcher_info(env)
        task = from_task_dir(folder.path)
        init_tasks = task.__xpm__.init_tasks or []
        memo: dict = {}
        for init in init_tasks:
            init.instance(objects=memo).execute()
        instance = task.instance(objects=memo)
        # 2.x's names on the running task: its job folder (also the working directory);
        # __maintaskdir__ was the folder of the main task of a sub-parameter job in
        # older 2.x: jobs have no main task other than themselves here
        instance.__taskdir__ = instance.__maintaskdir__ = folder.path
        env.task = instance
        started = time.time()
        instance.execute()
        if _cancellation is not None:
            raise _cancellation  # caught by the task, which then returned: still cancelled
        folder.write_done()
        print(f"[experimaestro] task done in {time.time() - started:.2f}s", file=sys.stderr)
        return 0
    except GracefulTimeout as exc:
        _fail(folder, FailureReason.TIMEOUT, str(exc), EXIT_TIMEOUT)
        return EXIT_TIMEOUT
    except TaskCancelled as exc:
        if isinstance(exc, TimeLimitReached):
            _fail(folder, FailureReason.TIMEOUT, str(exc), EXIT_TIMEOUT)
            return EXIT_TIMEOUT
        _fail(folder, FailureReason.CANCELLED, str(exc), EXIT_CANCELLED)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        _fail(folder, FailureReason.CANCELLED, "interrupted", EXIT_CANCELLED)
        return EXIT_CANCELLED
    except BaseException as exc:  # noqa: BLE001 - every failure must be recorded
        import traceback

        traceback.print_exc()
        reason = FailureReason.MEMORY if isinstance(exc, MemoryError) else FailureReason.FAILED
        _fail(folder, reason, f"{type(exc).__name__}: {exc}", EXIT_FAILED)
        return EXIT_FAILED
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
            signal.signal(sig, signal.SIG_DFL)
        folder.clear_pid()
        sys.stdout.flush()
        sys.stderr.flush()


def _setup_launcher_info(env):
    """Launcher-specific information (e.g. the Slurm end time for remaining_time())."""
    kind = os.environ.get("XPM_LAUNCHER_INFO")
    if not kind:
        return
    module, _, attr = kind.partition(":")
    import importlib

    env.launcher_info = getattr(importlib.import_module(module), attr)()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m experimaestro.run JOBDIR", file=sys.stderr)
        return 2
    path = Path(argv[0])
    if path.name == "params.json":
        path = path.parent
    extra = os.environ.get("XPM_PYTHONPATH")
    if extra:
        sys.path[:0] = [p for p in extra.split(os.pathsep) if p]
    return run_job(path)


if __name__ == "__main__":
    sys.exit(main())
