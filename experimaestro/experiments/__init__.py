"""Experiments described by YAML files (``experimaestro run-experiment``).

The helper is resolved lazily: a job that imports an experiment module (because its task
classes live there) must not pay for click or YAML.
"""

# Imported at once, not lazily: `configuration` is both a submodule (2.x's path
# experimaestro.experiments.configuration) and the decorator; importing the submodule
# would otherwise leave the package attribute bound to the module. (It costs attrs.)
from .configuration import MISSING, ConfigurationBase, configuration

_LAZY = {
    "ExperimentHelper": "experimaestro.experiments.helper",
    "ExperimentCallable": "experimaestro.experiments.helper",
    "GridSearch": "experimaestro.experiments.grid",
    "generate_grid": "experimaestro.experiments.grid",
    "mock_modules": "experimaestro.experiments.mockmodule",
    "FakeModuleFinder": "experimaestro.experiments.mockmodule",
    "noop_decorator": "experimaestro.experiments.mockmodule",
    "Sweep": "experimaestro.experiments.sweep",
    "sweep_cases": "experimaestro.experiments.sweep",
}

__all__ = ["ConfigurationBase", "ExperimentCallable", "ExperimentHelper", "FakeModuleFinder",
           "GridSearch", "MISSING", "Sweep", "configuration", "generate_grid", "mock_modules",
           "noop_decorator", "sweep_cases"]


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'experimaestro.experiments' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
