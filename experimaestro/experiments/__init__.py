"""Experiments described by YAML files (``experimaestro run-experiment``).

The names are resolved lazily: a job that imports an experiment module (because its task
classes live there) must not pay for click or YAML.
"""

_LAZY = {
    "configuration": "experimaestro.experiments.base",
    "ConfigurationBase": "experimaestro.experiments.base",
    "MISSING": "experimaestro.experiments.base",
    "ExperimentHelper": "experimaestro.experiments.helper",
    "ExperimentCallable": "experimaestro.experiments.helper",
    "GridSearch": "experimaestro.experiments.grid",
    "generate_grid": "experimaestro.experiments.grid",
}

__all__ = sorted(_LAZY)


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
