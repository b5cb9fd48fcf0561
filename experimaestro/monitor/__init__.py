"""The monitors: a terminal UI (Textual) and a web UI (Starlette, served by Uvicorn) over a
workspace, both reading it through ``model.MonitorModel`` (the workspace index, then file
events). The UIs need the ``monitor`` extra (``pip install experimaestro[monitor]``);
``model`` and ``watch`` do not."""

import importlib.util
import sys

__all__ = ["require_extra", "MissingExtra"]

#: the modules each UI needs, and the pip package that brings each
_EXTRA = {"textual": "textual", "starlette": "starlette", "uvicorn": "uvicorn"}


class MissingExtra(ImportError):
    """A monitor was asked for without the packages of the ``monitor`` extra."""


def require_extra(*modules: str):
    """Raise MissingExtra naming the extra when one of ``modules`` cannot be imported."""
    missing = [m for m in modules if _absent(m)]
    if missing:
        raise MissingExtra(
            f"the monitor needs {', '.join(_EXTRA.get(m, m) for m in missing)}: install"
            " them with `pip install 'experimaestro[monitor]'`")


def _absent(module: str) -> bool:
    if module in sys.modules:
        return sys.modules[module] is None  # (None: an import that is known to fail)
    return importlib.util.find_spec(module) is None
