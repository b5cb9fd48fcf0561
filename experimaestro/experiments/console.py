"""``run-experiment --console``: the terminal monitor while the experiment runs.

The monitor runs in a child process that owns the terminal (``experiments monitor
--console``); meanwhile the driver's own output (its log lines, the jobs' summary) goes to
``experiments/<name>/console.log``, since two programs cannot share a screen. When the
user quits the monitor, the driver's output comes back to the terminal; when the
experiment ends first, the driver waits until the user quits the monitor."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import click

from experimaestro.monitor import MissingExtra, require_extra

__all__ = ["ConsoleMonitor"]


class ConsoleMonitor:
    def __init__(self, workspace: Path, experiment: str):
        self.workspace = Path(workspace)
        self.experiment = experiment
        self.log_path = self.workspace / "experiments" / experiment / "console.log"
        self._child = None
        self._saved = None
        self._restored = threading.Lock()

    def __enter__(self):
        try:
            require_extra("textual")
        except MissingExtra as exc:
            raise click.ClickException(f"--console: {exc}") from None
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            click.echo("Warning: --console needs a terminal (stdin and stdout); the"
                       " experiment runs without the monitor", err=True)
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        sys.stdout.flush()
        sys.stderr.flush()
        self._saved = (os.dup(1), os.dup(2))
        self._child = subprocess.Popen(
            [sys.executable, "-m", "experimaestro", "experiments", "monitor", "--console",
             "--workdir", str(self.workspace), "--experiment", self.experiment],
            stdout=self._saved[0], stderr=self._saved[1])
        log = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        threading.Thread(target=self._when_quit, daemon=True).start()
        return self

    def _when_quit(self):
        """The user quit the monitor: the driver's output comes back."""
        self._child.wait()
        self._restore(f"(monitor closed: the experiment goes on; what it wrote meanwhile is"
                      f" in {self.log_path})")

    def _restore(self, message: str):
        with self._restored:
            if self._saved is None:
                return
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(self._saved[0], 1)
            os.dup2(self._saved[1], 2)
            for fd in self._saved:
                os.close(fd)
            self._saved = None
        print(message, file=sys.stderr, flush=True)

    def __exit__(self, exc_type, exc, tb):
        if self._child is None:
            return False
        if exc_type is None:
            self._child.wait()  # the experiment is over: until the user quits
        elif self._child.poll() is None:
            self._child.terminate()
            self._child.wait()
        self._restore(f"(the experiment's output while the monitor was shown: {self.log_path})")
        return False
