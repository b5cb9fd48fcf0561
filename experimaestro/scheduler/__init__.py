"""The driver side: workspaces, experiments, jobs and the scheduler."""


def __getattr__(name):
    if name in ("RunMode", "TransientMode", "Workspace"):
        from . import workspace

        return getattr(workspace, name)
    if name == "experiment":
        from .experiment import experiment

        return experiment
    if name == "Job":
        from .jobs import Job

        return Job
    raise AttributeError(name)
