"""Serving the web monitor: Uvicorn in a daemon thread (WebMonitor), or in the
foreground until Ctrl-C (serve)."""

import asyncio
import ipaddress
import logging
import secrets
import socket
import sys
import threading
import time
from typing import Callable, Optional

import uvicorn

from experimaestro.monitor import require_extra
from experimaestro.monitor.model import MonitorModel
from experimaestro.monitor.watch import ModelWatcher

from .app import create_app

__all__ = ["WebMonitor", "serve", "new_token"]

logger = logging.getLogger("xpm.monitor")

#: seconds start() waits for the server to listen
START_TIMEOUT = 30.0
#: seconds between two looks of the server at whether to stop
TICK = 1.0
#: seconds a stopping server waits for requests in progress
GRACEFUL = 2.0


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _QuietServer(uvicorn.Server):
    """Uvicorn's server waking once a second instead of ten times: its tick only renews
    the Date header (once a second anyway) and looks whether to stop. An idle monitor
    then uses no measurable CPU (0.25 % before); stop() takes up to a second more."""

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864000  # (each tick is a tenth tick for on_tick)
            await asyncio.sleep(TICK)
            should_exit = await self.on_tick(counter)


def is_address(host: str) -> bool:
    """An IP address or localhost (bound as it is), not another host name."""
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


class WebMonitor:
    """The web monitor of ``model`` (a loaded MonitorModel) on ``host:port`` (port 0: a
    free port), behind ``token`` (a random one when not given); ``on_quit``: called by the
    page's Quit button (see create_app)."""

    def __init__(self, model: MonitorModel, *, host: str = "127.0.0.1", port: int = 0,
                 token: Optional[str] = None, on_quit: Optional[Callable[[], None]] = None):
        require_extra("starlette", "uvicorn")
        self.model = model
        self.host = host
        self.token = token or new_token()
        self.on_quit = on_quit
        self._port = port
        self._socket: Optional[socket.socket] = None
        self._server = None
        self._thread: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None
        self.app = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/?token={self.token}"

    def start(self):
        """Listen (the port is taken here, so that a busy port fails now), then serve in a
        daemon thread; returns once the server accepts connections."""
        if not is_loopback(self.host):
            logger.warning("the web monitor listens on %s: anyone who can reach it and has"
                           " the token can kill jobs", self.host)
        self.app = create_app(self.model, self.token, self.on_quit)
        # (a host name is shown in the address, every interface bound: 2.x's way)
        bind = self.host if is_address(self.host) else "0.0.0.0"
        family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((bind, self._port))
        except OSError as exc:
            self._socket.close()
            raise OSError(f"the web monitor cannot listen on {self.host}:{self._port}:"
                          f" {exc.strerror or exc}; choose another port") from exc
        self._port = self._socket.getsockname()[1]
        # (log_config=None: the logging of the program that embeds the monitor is left
        # as it is)
        config = uvicorn.Config(self.app, log_config=None, log_level="warning",
                                lifespan="on", timeout_graceful_shutdown=GRACEFUL,
                                access_log=False)
        self._server = _QuietServer(config)
        self._thread = threading.Thread(target=self._run, name="xpm-web-monitor",
                                         daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"the web monitor did not start: {self._error}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the web monitor did not start in {START_TIMEOUT} s")
            time.sleep(0.02)
        return self

    def _run(self):
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # told to start(), which waits for it
            self._error = exc

    def stop(self):
        """End the event streams, then the server (returns within a few seconds)."""
        if self._server is None:
            return
        self.app.state.hub.close_threadsafe()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=GRACEFUL + 5)
        if self._socket is not None:
            self._socket.close()
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def serve(workdir, *, host: str = "127.0.0.1", port: int = 12345,
          token: Optional[str] = None) -> None:
    """The web monitor of the workspace ``workdir`` until Ctrl-C."""
    require_extra("starlette", "uvicorn")
    model = MonitorModel(workdir)
    model.load()
    watcher = ModelWatcher(model)
    watcher.start()
    monitor = WebMonitor(model, host=host, port=port, token=token)
    try:
        monitor.start()
        print(f"experimaestro web monitor of {model.path}: {monitor.url}", flush=True)
        print("(Ctrl-C to stop)", file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        monitor.stop()
        watcher.stop()
        model.close()
