"""Progress reporting from inside a task: ``progress()`` and ``tqdm()``.

The running job writes its latest progress per level in
``<job folder>/.experimaestro/progress.json``; the driver shows it.
"""

import json
import os
import sys
import time
from typing import Optional

from experimaestro.jobfolder import JobFolder

__all__ = ["progress", "tqdm", "xpm_tqdm"]

_MIN_INTERVAL = 0.2
_state: dict = {}
_open_bars: list = []
_manual: set = set()  # levels reported by direct progress() calls
_last_write = [0.0]


def progress(value: float, level: int = 0, desc: Optional[str] = None, console: bool = False):
    """Report the progress (0 to 1) of the running task, at a nesting level."""
    _manual.add(level)
    _report(value, level, desc, console)


def _report(value: float, level: int, desc: Optional[str], console: bool = False):
    from experimaestro.taskglobals import Env

    value = max(0.0, min(1.0, float(value)))
    _state[str(level)] = {"value": value, "desc": desc}
    for k in [k for k in _state if int(k) > level]:
        del _state[k]  # deeper levels restart
        _manual.discard(int(k))
    if console:
        print(f"[progress] {desc or ''} {100 * value:.1f}%", file=sys.stderr)
    taskpath = Env.instance().taskpath
    if taskpath is None:
        return
    now = time.monotonic()
    if now - _last_write[0] < _MIN_INTERVAL and value < 1.0:
        return
    _last_write[0] = now
    target = JobFolder.of(taskpath).progress
    target.parent.mkdir(exist_ok=True)
    tmp = target.parent / f".progress.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(_state))
    os.replace(tmp, target)


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
            # Nesting level: below the open bars and the levels reported with progress()
            self._xpm_level = len(_open_bars) + (max(_manual) + 1 if _manual else 0)
            _open_bars.append(self)
            super().__init__(*a, **kw)

        def close(self):
            if self in _open_bars:
                _open_bars.remove(self)
            return super().close()

        def __iter__(self):
            # Counted here: the tqdm package does not call update() for each item of an
            # iteration (it refreshes self.n only when it redraws)
            self._xpm_iterating = True
            done = self.n
            try:
                for item in super().__iter__():
                    yield item
                    done += 1
                    if self.total:
                        _report(done / self.total, self._xpm_level, self.desc)
            finally:
                self._xpm_iterating = False
                self.close()

        def update(self, n=1):
            result = super().update(n)
            if self.total and not getattr(self, "_xpm_iterating", False):
                _report(self.n / self.total, self._xpm_level, self.desc)
            return result

    return xpm_tqdm(*args, **kwargs)


xpm_tqdm = tqdm
