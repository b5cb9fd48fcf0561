"""The terminal monitor's App: the screens over one MonitorModel, and the changes of the
model (told from the watcher's thread) handed to the visible screen at most every
THROTTLE seconds."""

import asyncio
import contextvars
import threading
from typing import List, Optional

from textual.app import App
from textual.binding import Binding

from experimaestro.monitor.model import MonitorModel

from .base import Changes, ModelScreen
from .dialogs import HelpScreen, describe_bindings
from .job import DetailsScreen, LogScreen
from .lists import ExperimentsScreen, JobsScreen, ServicesScreen

__all__ = ["MonitorApp", "THROTTLE"]

#: seconds gathering the model's changes before the screen shows them (at most ~4 a second)
THROTTLE = 0.25


class MonitorApp(App):
    """The monitor of ``model``'s workspace (``experiment``: open its jobs first)."""

    TITLE = "experimaestro"
    BINDINGS = [Binding("q", "quit", "Quit"), Binding("question_mark", "help", "Keys")]

    def __init__(self, model: MonitorModel, experiment: Optional[str] = None):
        super().__init__()
        self.model = model
        self.experiment = experiment
        #: the messages told to the user (kill, clean...), oldest first
        self.messages: List[str] = []
        self._changes: Changes = set()
        self._scheduled = False
        self._lock = threading.Lock()
        self._ui_loop: Optional[asyncio.AbstractEventLoop] = None
        self._ui_context: Optional[contextvars.Context] = None
        self._unsubscribe = None
        #: an experiment asked for that has no run yet (opened when it has one)
        self._awaited: Optional[str] = None
        self._load_told = False

    def on_mount(self):
        self._ui_loop = asyncio.get_running_loop()
        # (Textual's context: a timer started from the watcher's thread needs it)
        self._ui_context = contextvars.copy_context()
        self._unsubscribe = self.model.subscribe(self._model_changed)
        self.push_screen(ExperimentsScreen())
        if self.experiment is not None:
            self._open_experiment()

    def _open_experiment(self):
        """Open the jobs of the experiment asked for, once it has a run (run-experiment
        --console starts the monitor before the experiment's first run)."""
        known = {run.experiment for run in self.model.experiments()}
        if self.experiment in known:
            self.push_screen(JobsScreen(self.experiment))
            self._awaited = None
        elif self._awaited is None:
            self._awaited = self.experiment
            self.tell(f"Experiment {self.experiment} has not started yet: its jobs show"
                      " when it does")

    def on_unmount(self):
        if self._unsubscribe is not None:
            self._unsubscribe()

    def tell(self, message: str, error: bool = False):
        """Show a message (a notification) and keep it in ``messages``."""
        self.messages.append(message)
        self.notify(message, severity="error" if error else "information",
                    timeout=8 if error else 4, markup=False)

    # -- changes of the model ------------------------------------------------------

    def _model_changed(self, changed: Changes):
        """(The watcher's thread) gather the change; one flush per THROTTLE seconds."""
        with self._lock:
            if changed is None or self._changes is None:
                self._changes = None
            else:
                self._changes |= changed
            if self._scheduled or self._ui_loop is None:
                return
            self._scheduled = True
        try:
            self._ui_loop.call_soon_threadsafe(self.set_timer, THROTTLE, self._show_changes,
                                               context=self._ui_context)
        except RuntimeError:  # the loop is closed: the app has stopped
            pass

    def _show_changes(self):
        with self._lock:
            changed, self._changes, self._scheduled = self._changes, set(), False
        if self.model.load_error is not None and not self._load_told:
            self._load_told = True
            self.tell(f"cannot read the workspace {self.model.path}:"
                      f" {self.model.load_error}", error=True)
        for screen in self.screen_stack:
            if not isinstance(screen, ModelScreen):
                continue
            if screen is self.screen:
                screen.model_changed(changed)
            else:
                screen.mark_stale()
        if self._awaited is not None:  # (after: a screen pushed now reads on mount)
            self._open_experiment()

    # -- keys ----------------------------------------------------------------------

    def action_help(self):
        if isinstance(self.screen, HelpScreen):
            return
        sections = [("Everywhere", describe_bindings(self.BINDINGS) + _MOVING)] + [
            (title, describe_bindings(cls.BINDINGS)) for title, cls in (
                ("Experiments", ExperimentsScreen), ("Jobs", JobsScreen),
                ("Job details", DetailsScreen), ("Log", LogScreen),
                ("Services", ServicesScreen))]
        self.push_screen(HelpScreen(sections))


#: the keys of the tables themselves (Textual's)
_MOVING = [("↑ ↓ PageUp PageDown Home End", "move in a table or a log"),
           ("PageDown on the last row", "the next page of jobs (PageUp on the first:"
                                        " the previous)"),
           ("ctrl+p", "Textual's command palette (theme...)")]
