"""Exceptions of experimaestro."""


class HandledException(Exception):
    """An error already reported to the user (no traceback needed)."""


class GracefulTimeout(Exception):
    """Raised by a ResumableTask to stop before its time limit; the job is retried."""

    def __init__(self, message: str = "Task stopped gracefully before timeout"):
        self.message = message
        super().__init__(message)


class TaskCancelled(Exception):
    """The job process received SIGTERM or SIGINT (``scancel``, ``jobs kill``, Ctrl-C).

    A task may catch it to clean up. ``remaining_time``: the seconds left before the
    job's time limit, when the launcher knows it (Slurm), else None.
    """

    def __init__(self, message: str = "Task cancelled by signal",
                 remaining_time: "float | None" = None):
        self.message = message
        self.remaining_time = remaining_time
        super().__init__(message)


class TimeLimitReached(TaskCancelled):
    """The job was stopped (SIGTERM) because it reached its time limit."""


class FailedExperiment(HandledException):
    """Some jobs of the experiment failed: lists them, their reason and their log."""

    def __init__(self, failures):
        self.failures = list(failures)
        lines = [f"{len(self.failures)} job(s) failed:"]
        for f in self.failures:
            lines.append(f"  - {f}")
        super().__init__("\n".join(lines))


class DirtyGitError(HandledException):
    """The project's git repository has uncommitted changes and the experiment was
    started with ``dirty_git=DirtyGitAction.ERROR``."""


class GracefulExperimentExit(Exception):
    """Raise it inside ``with experiment(...)`` to leave the block without waiting for the
    jobs: the jobs already running go on (a later run of the experiment re-attaches to
    them), those not started yet are not started, and the exception stops there."""
