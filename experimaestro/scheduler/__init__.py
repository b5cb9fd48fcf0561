"""The driver side: workspaces, experiments, jobs and the scheduler."""

#: name -> the module of this package that defines it (loaded on first use)
_LAZY = {
    "RunMode": "workspace",
    "TransientMode": "workspace",
    "Workspace": "workspace",
    "experiment": "experiment",
    "FailedExperiment": "experiment",
    "DirtyGitError": "experiment",
    "GracefulExperimentExit": "experiment",
    "Job": "jobs",
    "JobState": "jobs",
    "Scheduler": "scheduler",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'experimaestro.scheduler' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
