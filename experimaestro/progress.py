"""Progress reporting from inside a task: ``progress()`` and ``tqdm()``.

The running job writes its latest progress per level in
``<job folder>/.experimaestro/progress.json``; the driver shows it.
"""

import json
import os
import sys
import time
from typing import Optional

__all__ = ["progress", "tqdm", "xpm_tqdm"]

_MIN_INTERVAL = 0.2
_state: dict = {}
_last_write = [0.0]


def progress(value: float, level: int = 0, desc: Optional[str] = None, console: bool = False):
    """Report the progress (0 to 1) of the running task, at a nesting level."""
    from experimaestro.taskglobals import Env

    value = max(0.0, min(1.0, float(value)))
    _state[str(level)] = {"value": value, "desc": desc}
    for k in [k for k in _state if int(k) > level]:
        del _state[k]  # deeper levels restart
    if console:
        print(f"[progress] {desc or ''} {100 * value:.1f}%", file=sys.stderr)
    taskpath = Env.instance().taskpath
    if taskpath is None:
        return
    now = time.monotonic()
    if now - _last_write[0] < _MIN_INTERVAL and value < 1.0:
        return
    _last_write[0] = now
    folder = taskpath / ".experimaestro"
    folder.mkdir(exist_ok=True)
    tmp = folder / f".progress.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(_state))
    os.replace(tmp, folder / "progress.json")


class _Bar:
    """A minimal progress bar (used when the tqdm package is not installed)."""

    def __init__(self, iterable=None, desc=None, total=None, **kwargs):
        self.iterable = iterable
        self.desc = desc
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.total = total
        self.n = 0

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)

    def update(self, n=1):
        self.n += n

    def set_description(self, desc=None, refresh=True):
        self.desc = desc

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _base():
    try:
        from tqdm.auto import tqdm as base  # optional: nicer bars when installed
    except ImportError:
        base = _Bar
    return base


def tqdm(*args, **kwargs):
    """A tqdm-like progress bar that also reports to experimaestro."""
    base = _base()

    class xpm_tqdm(base):
        def __init__(self, *a, **kw):
            self._xpm_level = len(_state)
            super().__init__(*a, **kw)

        def update(self, n=1):
            result = super().update(n)
            if self.total:
                progress(self.n / self.total, level=self._xpm_level, desc=self.desc)
            return result

    return xpm_tqdm(*args, **kwargs)


xpm_tqdm = tqdm
