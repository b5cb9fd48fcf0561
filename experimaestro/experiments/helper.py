"""``ExperimentHelper``: what ``run(helper, cfg)`` receives (``helper.xp`` is the experiment)."""

import inspect
from typing import TYPE_CHECKING, Any, List, Protocol

if TYPE_CHECKING:
    from experimaestro.scheduler.experiment import experiment

__all__ = ["ExperimentHelper", "ExperimentCallable"]


class ExperimentCallable(Protocol):
    """The ``run(helper, configuration)`` function of an experiment file."""

    def __call__(self, helper: "ExperimentHelper", configuration: Any): ...


class ExperimentHelper:
    """Helper for experiments: holds the run function and, while it runs, the experiment.

    Subclass it to handle extra command-line arguments (``run-experiment YAML ARGS...``)
    by overriding :meth:`run`.
    """

    #: The experiment object (set before ``run`` is called)
    xp: "experiment"

    #: Run function
    callable: ExperimentCallable

    def __init__(self, callable: ExperimentCallable):
        self.callable = callable
        self.xp = None

    def run(self, args: List[str], configuration: Any):
        """Calls the run function; ``args`` are the extra command-line arguments."""
        if args:
            from experimaestro.exceptions import HandledException

            raise HandledException(
                f"unexpected extra arguments {' '.join(args)!r}: this experiment takes none"
                " (give options before the YAML file)"
            )
        return self.callable(self, configuration)

    @classmethod
    def decorator(cls, *args, **kwargs):
        """Decorator for the ``run(helper, configuration)`` function:
        ``@ExperimentHelper.decorator`` or ``@MyHelper.decorator(...)``."""
        if len(args) == 1 and not kwargs and inspect.isfunction(args[0]):
            return cls(args[0])

        def wrapper(callable):
            return cls(callable, *args, **kwargs)

        return wrapper
