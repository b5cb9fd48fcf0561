"""A job killed (SIGKILL) while it appends to its metrics.jsonl, for the tests of what
is read back of it."""

import os
import signal
import time

import pytest

from experimaestro import experiment

from .tasks import Metrics


def kill_while_writing_metrics(workdir):
    """Run a Metrics task that records a loss until killed, kill it after its first
    values, and return its job (the experiment fails, as it should)."""
    with pytest.raises(Exception):
        with experiment(workdir, "killed"):
            task = Metrics.C(epochs=0, forever=True)
            task.submit()
            started = task.__xpm__.job.path / "started.txt"
            deadline = time.time() + 60
            while not started.exists() and time.time() < deadline:
                time.sleep(0.02)
            time.sleep(0.2)
            os.kill(int(started.read_text()), signal.SIGKILL)
    return task.__xpm__.job
