"""Notebook helpers (2.x's ``experimaestro.utils.jupyter``).

``jobmonitor(*outputs)`` follows submitted jobs with progress bars (widgets in a
notebook). ``serverwidget(name, port=...)`` runs an experiment in the notebook together
with its web monitor: a button stops it (and starts it again), the monitor's address is
shown under it. Both need the ``jupyter`` extra; serverwidget also the ``monitor`` one.
"""

import secrets
from typing import Callable, Dict, Optional

from experimaestro.scheduler.experiment import experiment

from .jobs import jobmonitor

__all__ = ["jobmonitor", "serverwidget"]


class serverwidget:
    """An experiment ``name`` (its workspace: the folder ``name``, as in 2.x) entered at
    once, served by the web monitor on ``port``; the button ends it or enters it again.
    ``environment``: variables set for its jobs; ``hook(widget)``: called each time it
    starts (``widget.current`` is the experiment)."""

    #: the token of the monitors these widgets start (one per notebook, as 2.x)
    TOKEN = secrets.token_urlsafe(24)

    def __init__(self, name: str, *, port: int = 12345,
                 hook: Optional[Callable[["serverwidget"], None]] = None,
                 environment: Optional[Dict[str, str]] = None, workdir=None):
        # (ipywidgets and IPython: only for this widget, in a notebook)
        import ipywidgets
        from IPython.display import display

        self.name = name
        self.workdir = workdir if workdir is not None else name
        self.port = port
        self.hook = hook
        self.environment = dict(environment or {})
        self.current: Optional[experiment] = None
        self.button = ipywidgets.Button(description="Stop the experiment")
        self.output = ipywidgets.Output()
        self.button.on_click(lambda _: self.toggle())
        display(self.button, self.output)
        self.start()

    @property
    def running(self) -> bool:
        return self.current is not None

    def start(self):
        """Enter the experiment (its monitor starts with it)."""
        if self.current is not None:
            return
        xp = experiment(self.workdir, self.name, port=self.port, token=serverwidget.TOKEN)
        xp.__enter__()
        self.current = xp
        for key, value in self.environment.items():
            xp.setenv(key, value)
        if self.hook is not None:
            self.hook(self)
        self._show()

    def stop(self):
        """End the experiment: waits for its jobs, as the end of a ``with`` block."""
        xp, self.current = self.current, None
        if xp is not None:
            try:
                xp.__exit__(None, None, None)
            finally:
                self._show()

    def toggle(self):
        with self.output:
            self.stop() if self.running else self.start()

    def _show(self):
        self.output.clear_output()
        with self.output:
            if self.current is not None:
                self.button.description = "Stop the experiment"
                print(f"Experiment {self.name} running; monitor: {self.current.monitor_url}")
            else:
                self.button.description = "Start the experiment"
                print(f"Experiment {self.name} stopped")
