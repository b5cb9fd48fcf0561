"""Notebook helpers (2.x's ``experimaestro.utils.jupyter``).

``jobmonitor(*outputs)`` follows submitted jobs with progress bars (widgets in a
notebook). 2.x's ``serverwidget`` — a button starting an experiment together with its web
monitor — is not provided: this version has no web monitor yet.
"""

from .jobs import jobmonitor

__all__ = ["jobmonitor"]


def __getattr__(name):
    if name == "serverwidget":
        # ImportError (not AttributeError, which `from ... import` would replace by a
        # message of its own)
        raise ImportError(
            "experimaestro.utils.jupyter.serverwidget is not available: it starts the web"
            " monitor of experimaestro 2.x, which this version does not have yet. In a"
            " notebook, enter the experiment yourself (xp = experiment(workdir, name)"
            ".__enter__(), and xp.__exit__(None, None, None) to end it) and follow its jobs"
            " with jobmonitor(...)")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
