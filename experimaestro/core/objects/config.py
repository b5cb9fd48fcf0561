"""Configuration classes and helpers, under the module path of experimaestro 2.x."""

from enum import Enum
from pathlib import Path

from experimaestro.core.analysis import clone_config
from experimaestro.core.objects import *  # noqa: F401,F403 (the 2.x names of this module)
from experimaestro.core.objects import __all__ as _names

__all__ = [*_names, "clone"]


def clone(value):
    """A deep copy of `value` where every configuration is a new, unsealed configuration
    of the same class with cloned parameter values (generated values and constants are
    made again, see clone_config). Scalars, paths and enums are shared."""
    if value is None or isinstance(value, (str, int, float, bool, Path, Enum)):
        return value
    if isinstance(value, list):
        return [clone(v) for v in value]
    if isinstance(value, tuple):
        return tuple(clone(v) for v in value)
    if isinstance(value, dict):
        return {clone(k): clone(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return type(value)(clone(v) for v in value)
    if getattr(value, "__xpm__", None) is not None:
        return clone_config(value, clone)
    raise TypeError(f"clone: cannot clone a value of type {type(value).__name__}")
