"""What the screens of the terminal monitor share: the model, live changes, the key of a
job as a table row key, and a thread worker that hands its answer back to the screen."""

from typing import Callable, Optional, Set

from textual.screen import Screen
from textual.worker import get_current_worker

from experimaestro.monitor.model import Key, MonitorModel

__all__ = ["ModelScreen", "row_key", "job_key", "Changes"]

#: the jobs that changed (None: anything may have)
Changes = Optional[Set[Key]]


def row_key(key: Key) -> str:
    return f"{key[0]}/{key[1]}"


def job_key(text: str) -> Key:
    type_id, identifier = text.rsplit("/", 1)
    return type_id, identifier


class ModelScreen(Screen):
    """A screen over the model: its ``model_changed(keys)`` (each screen's own) is
    called, at most a few times a second, while it is the visible screen; a hidden screen
    is called with None when it shows again."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._stale = False

    @property
    def model(self) -> MonitorModel:
        return self.app.model

    def mark_stale(self):
        self._stale = True

    def on_screen_resume(self):
        if self._stale:
            self._stale = False
            self.model_changed(None)

    def in_thread(self, work: Callable[[], object], done: Callable[[object], None],
                  group: str):
        """Run ``work()`` in a thread (the model reads files), then ``done(answer)`` in
        the UI thread; a newer call of the same group makes the older answer void."""
        def run():
            answer = work()
            if not get_current_worker().is_cancelled:
                try:
                    self.app.call_from_thread(done, answer)
                except RuntimeError:  # the app has stopped meanwhile
                    pass
        self.run_worker(run, thread=True, exclusive=True, group=group)
