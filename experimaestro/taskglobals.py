"""The module path of 2.x for the state of a running task (see core/taskglobals.py)."""

from experimaestro.core.taskglobals import Env  # noqa: F401

__all__ = ["Env"]
