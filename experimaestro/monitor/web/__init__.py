"""The web monitor: a Starlette application (JSON API, server-sent events, a page in
plain JavaScript) over a MonitorModel, served by Uvicorn on 127.0.0.1 behind a token.

The names are resolved on first use: Starlette and Uvicorn (the ``monitor`` extra) are
imported only then, and without them the error says how to install them."""

import importlib

from experimaestro.monitor import require_extra

__all__ = ["create_app", "WebMonitor", "serve"]

_WHERE = {"create_app": ".app", "WebMonitor": ".server", "serve": ".server"}


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    require_extra("starlette", "uvicorn")
    return getattr(importlib.import_module(_WHERE[name], __name__), name)
