"""The web monitor of a running experiment: ``experiment(workdir, name, port=...)`` serves
it while the experiment runs (the workspace as ``experiments monitor --port`` shows it);
``wait_for_quit=True`` keeps it up after the last job until the user quits (the page's
Quit button, or Ctrl-C)."""

import platform
import socket
import sys
import threading
from pathlib import Path
from typing import Optional

from experimaestro.monitor import require_extra
from experimaestro.monitor.model import MonitorModel
from experimaestro.monitor.watch import ModelWatcher
from experimaestro.settings import get_settings

__all__ = ["ExperimentMonitor", "server_options", "DEFAULT_PORT"]

#: the web monitor's port when asked for without one (2.x's)
DEFAULT_PORT = 12345


class ExperimentMonitor:
    """The web monitor of one experiment run (started by ``start``, stopped by ``stop``)."""

    def __init__(self, workspace: Path, *, port: int, host: Optional[str],
                 token: Optional[str], wait_for_quit: bool):
        require_extra("starlette", "uvicorn")
        self.workspace = workspace
        options = server_options(host, port, token)
        self.port, self.host, self.token = options["port"], options["host"], options["token"]
        self.wait_for_quit = wait_for_quit
        self.quit = threading.Event()
        self._model: Optional[MonitorModel] = None
        self._watcher: Optional[ModelWatcher] = None
        self._server = None

    @property
    def url(self) -> Optional[str]:
        return None if self._server is None else self._server.url

    def start(self):
        # (Starlette and Uvicorn load only for an experiment that asks for a monitor)
        from experimaestro.monitor.web import WebMonitor

        self._model = MonitorModel(self.workspace)
        self._model.load()
        self._watcher = ModelWatcher(self._model)
        self._watcher.start()
        self._server = WebMonitor(self._model, host=self.host, port=self.port,
                                  token=self.token,
                                  on_quit=self.quit.set if self.wait_for_quit else None)
        self._server.start()
        print(f"Web monitor: {self._server.url}", file=sys.stderr, flush=True)

    def wait(self):
        """After the last job: wait until the user quits (wait_for_quit), else return."""
        if not self.wait_for_quit or self._server is None:
            return
        print(f"The experiment is over; the web monitor stays up at {self._server.url}:"
              " quit from the page, or press Ctrl-C", file=sys.stderr, flush=True)
        try:
            while not self.quit.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass

    def stop(self):
        if self._server is not None:
            self._server.stop()
        if self._watcher is not None:
            self._watcher.stop()
        if self._model is not None:
            self._model.close()


def server_options(host: Optional[str] = None, port: Optional[int] = None,
                   token: Optional[str] = None) -> dict:
    """The web monitor's host, port and token: those given, else those of the settings'
    ``server:`` section (2.x's), else 127.0.0.1, None (the caller's default) and None (a
    random token)."""
    server = get_settings().server
    if host is None:
        if server.autohost == "fqdn":
            host = socket.getfqdn()
        elif server.autohost == "name":
            host = platform.node()
        else:
            host = server.host
    return {"host": host or "127.0.0.1", "port": port if port is not None else server.port,
            "token": token or server.token}
