"""Task outputs: ``task_outputs(self, dep)`` marks configs produced by a task."""

from typing import Callable, TypeVar

T = TypeVar("T")

#: Type of the ``dep`` argument of ``task_outputs`` (marks a config as a task output)
DependentMarker = Callable[[T], T]


def task_output(task):
    """What ``submit()`` returns: ``task_outputs(dep)`` if the class defines it, else task."""
    method = getattr(task, "task_outputs", None)
    if method is None:
        return task

    def dep(value):
        from .information import iter_configs

        for cfg in iter_configs(value):
            xpm = cfg.__xpm__
            if xpm.task is None:
                xpm.task = task
        return value

    out = method(dep)
    from .information import iter_configs

    for cfg in iter_configs(out):
        if cfg.__xpm__.task is task:
            cfg.seal()
    return out
