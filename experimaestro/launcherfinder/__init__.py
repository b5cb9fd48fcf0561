"""Finding a launcher for a requirement ("2 hours, one GPU with 16GiB...").

- :mod:`.specs`: requirements, host specifications and matching (attrs classes);
- :mod:`.parser`: requirement strings (``parse``, grammar in ``grammar.lark``);
- :mod:`.registry`: ``find_launcher``, which asks the user's ``launchers.py``
  (or matches this host when there is none);
- :mod:`.host`: what this host offers.

Names are imported lazily: ``import experimaestro.launcherfinder`` costs nothing.
"""

_LAZY = {
    "find_launcher": "registry",
    "LauncherRegistry": "registry",
    "LauncherNotFoundError": "registry",
    "LaunchersFileError": "registry",
    "parse": "parser",
    "RequirementSyntaxError": "units",
    "HostRequirement": "specs",
    "HostSimpleRequirement": "specs",
    "RequirementUnion": "specs",
    "MatchRequirement": "specs",
    "HostSpecification": "specs",
    "CPUSpecification": "specs",
    "AcceleratorSpecification": "specs",
    "CudaSpecification": "specs",
    "MPSSpecification": "specs",
    "AcceleratorType": "specs",
    "cpu": "specs",
    "cuda_gpu": "specs",
    "mps_gpu": "specs",
    "gpu": "specs",
    "duration": "specs",
    "local_host": "host",
}

__all__ = list(_LAZY)


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
