"""The workspaces of the index and results tests: real jobs run by real experiments."""

from pathlib import Path

import pytest

from experimaestro import FailedExperiment, experiment
from xpm_fixtures.tasks import MLP, Add, Fail, Fit

#: the jobs of the "sweep" experiment that succeed: (lr, hidden) -> accuracy
SWEEP = {(0.1, 64): 0.9, (0.01, 64): 0.99, (0.01, 32): 0.89}


def fit(lr: float, hidden: int, **kwargs):
    return Fit.C(lr=lr, model=MLP.C(hidden=hidden), **kwargs).tag("lr", lr).tag("hidden", hidden)


def build_workspace(ws: Path) -> dict:
    """Two experiments in ``ws``: "sweep" (three Fit jobs done, one that diverges) and
    "other" (a Fit job, a failing Fail and an Add that depends on it); returns the jobs by
    name."""
    jobs = {}
    with pytest.raises(FailedExperiment):
        with experiment(ws, "sweep"):
            for lr, hidden in SWEEP:
                task = fit(lr, hidden).tag("opt", "adam")
                task.submit()
                jobs[f"fit-{lr}-{hidden}"] = task.__xpm__.job
            diverged = fit(1.0, 64, diverge=True)
            diverged.submit()
            jobs["diverged"] = diverged.__xpm__.job
    with pytest.raises(FailedExperiment):
        with experiment(ws, "other"):
            failing = Fail.C(x=1)
            value = failing.submit()
            dependent = Add.C(x=2, previous=value)
            dependent.submit()
            small = fit(0.5, 16)
            small.submit()
            jobs.update(fail=failing.__xpm__.job, add=dependent.__xpm__.job,
                        small=small.__xpm__.job)
    return jobs
