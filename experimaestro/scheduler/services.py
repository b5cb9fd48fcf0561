"""Services: long-lived helpers (web servers, dashboards, viewers) attached to an experiment.

A service is registered with ``xp.add_service(service)``; it then knows its experiment,
writes its logs under ``<run folder>/services/<service id>/`` and is stopped when the
``with experiment(...)`` block ends.

Two ready-made kinds of services exist:

- :class:`WebService` runs a server in a daemon thread of the driver (``_serve``);
- :class:`ProcessWebService` runs a server as a separate process (``_build_command``
  and ``_wait_for_ready``).

Only the standard library is imported here, so that importing this module stays cheap.
"""

import abc
import atexit
import enum
import importlib
import logging
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Callable, List, Optional, Tuple

logger = logging.getLogger("xpm.services")

__all__ = ["ServiceState", "ServiceListener", "Service", "WebService", "ProcessWebService"]


class ServiceState(enum.Enum):
    """Where a service is in its life: STOPPED -> STARTING -> RUNNING -> STOPPING -> STOPPED,
    or ERROR when starting (or running) failed."""

    STOPPED = 0
    STARTING = 1
    RUNNING = 2
    STOPPING = 3
    ERROR = 4


class ServiceListener:
    """Receives the state changes of the services it listens to."""

    def service_state_changed(self, service: "Service"):
        """Called (from whatever thread changed it) after ``service.state`` changed."""


def _error_text(e: BaseException) -> str:
    text = str(e)
    return text if text else type(e).__name__


def _load_class(qualified: str):
    """``package.module.Outer.Inner`` -> the class (the longest importable prefix is the
    module, the rest is looked up as attributes)."""
    parts = qualified.split(".")
    errors = []
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(module_name)
        except ImportError as e:
            errors.append(e)
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError as e:
            raise ValueError(
                f"cannot recreate the service: module {module_name} has no {'.'.join(parts[cut:])}"
            ) from e
        return obj
    cause = errors[0] if errors else None
    raise ValueError(
        f"cannot recreate the service: class {qualified!r} cannot be imported"
        + (f" ({cause})" if cause else "")
    ) from cause


class Service(abc.ABC):
    """A service that lives alongside an experiment.

    Subclasses set the class attribute ``id`` (unique within an experiment). State
    changes are sent to the registered :class:`ServiceListener` objects. To be
    re-creatable (e.g. from a monitor), a service returns its constructor arguments from
    :meth:`state_dict`; :meth:`from_state_dict` calls the class with them.
    """

    #: Identifier of the service within its experiment (set by subclasses)
    id: str

    # Defaults, so that a subclass forgetting super().__init__() still works
    _state: ServiceState = ServiceState.STOPPED
    _error: Optional[str] = None
    _experiment = None
    log_directory: Optional[Path] = None

    def __init__(self, log_directory: Optional[Path] = None):
        self._listeners: List[ServiceListener] = []
        self._listeners_lock = threading.Lock()
        self._state = ServiceState.STOPPED
        self._error = None
        self._experiment = None
        self.log_directory = Path(log_directory) if log_directory is not None else None

    # -- identity and experiment ---------------------------------------------------

    def _service_id(self) -> str:
        return getattr(self, "id", None) or type(self).__name__

    def description(self) -> str:
        """A human-readable description of the service (by default, its id)."""
        return self._service_id()

    def set_experiment(self, xp) -> None:
        """Called by ``xp.add_service``: remembers the experiment; the logs go to
        ``<run folder>/services/<service id>/`` (kept as is when the experiment has no
        run folder, e.g. in dry-run mode). Subclasses may override it (calling super)."""
        self._experiment = xp
        run_path = getattr(xp, "run_path", None)
        if run_path is not None:
            self.log_directory = Path(run_path) / "services" / self._service_id()

    @property
    def experiment_id(self) -> str:
        """Name of the experiment of this service ("" when it has none)."""
        if self._experiment is None:
            return ""
        return self._experiment.name or ""

    @property
    def run_id(self) -> str:
        """Name of the run folder of the experiment (e.g. ``20250101_120000``; "" when
        there is none)."""
        if self._experiment is None:
            return ""
        run_path = getattr(self._experiment, "run_path", None)
        return Path(run_path).name if run_path is not None else ""

    # -- listeners and state ---------------------------------------------------------

    def _listener_list(self) -> List[ServiceListener]:
        if "_listeners" not in self.__dict__:  # a subclass that skipped Service.__init__
            self._listeners = []
            self._listeners_lock = threading.Lock()
        return self._listeners

    def add_listener(self, listener: ServiceListener):
        """Adds a listener (notified of every state change)."""
        listeners = self._listener_list()
        with self._listeners_lock:
            if not any(existing is listener for existing in listeners):
                listeners.append(listener)

    def remove_listener(self, listener: ServiceListener):
        """Removes a listener (nothing happens if it was not registered)."""
        listeners = self._listener_list()
        with self._listeners_lock:
            listeners[:] = [existing for existing in listeners if existing is not listener]

    @property
    def state(self) -> ServiceState:
        """The current state; setting it notifies the listeners."""
        return self._state

    @state.setter
    def state(self, state: ServiceState):
        self._state = state
        listeners = self._listener_list()
        with self._listeners_lock:
            snapshot = list(listeners)
        for listener in snapshot:
            try:
                listener.service_state_changed(self)
            except Exception:
                logger.exception("service %s: listener %r failed", self._service_id(), listener)

    @property
    def error(self) -> Optional[str]:
        """Why the service failed (None unless it is in the ERROR state)."""
        return self._error

    def set_error(self, error: Optional[str]) -> None:
        """Records an error message and moves to the ERROR state (None only clears it)."""
        self._error = error
        if error:
            self.state = ServiceState.ERROR

    def set_starting(self) -> None:
        """Clears the error and moves to STARTING (services that start themselves through
        ``get_url`` only clear the error)."""
        self._error = None
        self.state = ServiceState.STARTING

    # -- logs ----------------------------------------------------------------------------

    @property
    def stdout(self) -> Optional[Path]:
        """``<log directory>/logs.out`` (None without a log directory)."""
        return self.log_directory / "logs.out" if self.log_directory is not None else None

    @property
    def stderr(self) -> Optional[Path]:
        """``<log directory>/logs.err`` (None without a log directory)."""
        return self.log_directory / "logs.err" if self.log_directory is not None else None

    @property
    def logger(self) -> logging.Logger:
        """The logger (``xpm.service.<id>`` unless set) whose records :meth:`setup_logging`
        sends to the log files."""
        custom = self.__dict__.get("_custom_logger")
        return custom if custom is not None else logging.getLogger(
            f"xpm.service.{self._service_id()}")

    @logger.setter
    def logger(self, value: logging.Logger):
        self.__dict__["_custom_logger"] = value

    def setup_logging(self) -> Tuple[Optional[logging.FileHandler], Optional[logging.FileHandler]]:
        """Sends the records of :attr:`logger` to :attr:`stdout` (INFO and above) and
        :attr:`stderr` (WARNING and above); returns the two handlers, to give back to
        :meth:`cleanup_logging` ((None, None) without a log directory)."""
        if self.log_directory is None:
            return None, None
        self.log_directory.mkdir(parents=True, exist_ok=True)
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
        handlers = []
        for path, level in ((self.stdout, logging.INFO), (self.stderr, logging.WARNING)):
            handler = logging.FileHandler(path)
            handler.setLevel(level)
            handler.setFormatter(formatter)
            handlers.append(handler)
        service_logger = self.logger
        if service_logger.level == logging.NOTSET:
            service_logger.setLevel(logging.INFO)
        for handler in handlers:
            service_logger.addHandler(handler)
        return handlers[0], handlers[1]

    def cleanup_logging(self, stdout_handler, stderr_handler):
        """Detaches and closes the handlers returned by :meth:`setup_logging`."""
        service_logger = self.logger
        for handler in (stdout_handler, stderr_handler):
            if handler is not None:
                service_logger.removeHandler(handler)
                handler.close()

    # -- state dictionaries ---------------------------------------------------------------

    def state_dict(self) -> dict:
        """The keyword arguments that recreate this service (to override, usually extending
        this one: ``{"log_directory": ...}``). Path values may be used: they are
        serialized and restored."""
        return {"log_directory": self.log_directory}

    def subservices(self) -> List["Service"]:
        """The services that can be started separately from this one (a service that also
        offers, e.g., an export to another tool overrides this); by default itself only."""
        return [self]

    def get_subservice(self, sub_id: str) -> "Service":
        """The sub-service of this id (``id`` of the sub-service)."""
        for sub in self.subservices():
            if getattr(sub, "id", None) == sub_id:
                return sub
        known = ", ".join(str(getattr(s, "id", "?")) for s in self.subservices())
        raise KeyError(f"service {self._service_id()} has no sub-service {sub_id!r}"
                       f" (its sub-services: {known})")

    @staticmethod
    def serialize_state_dict(data: dict) -> dict:
        """A JSON-friendly copy of ``data``: each Path becomes ``{"__path__": "..."}``
        (also inside lists, tuples and dicts)."""

        def convert(value):
            if isinstance(value, Path):
                return {"__path__": str(value)}
            if isinstance(value, dict):
                return {key: convert(item) for key, item in value.items()}
            if isinstance(value, (list, tuple)):
                return [convert(item) for item in value]
            return value

        return convert(dict(data or {}))

    def full_state_dict(self) -> dict:
        """Everything a monitor needs to show (and recreate) this service."""
        cls = type(self)
        state = self.state
        return {
            "service_id": self._service_id(),
            "description": self.description(),
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "state_dict": Service.serialize_state_dict(self.state_dict()),
            "experiment_id": self.experiment_id,
            "run_id": self.run_id,
            "state": state.name if isinstance(state, enum.Enum) else str(state),
            "url": getattr(self, "url", None),
            **self._subservices_state(),
        }

    def _subservices_state(self) -> dict:
        subs = self.subservices()
        if subs == [self]:
            return {}  # the usual case: left out, as 2.x does
        return {"subservices": [
            {"service_id": getattr(sub, "id", None), "description": sub.description(),
             "state": sub.state.name if isinstance(sub.state, enum.Enum) else str(sub.state),
             "url": getattr(sub, "url", None)}
            for sub in subs
        ]}

    @staticmethod
    def from_state_dict(service_class: str, data: dict,
                        path_translator: Optional[Callable[[str], Path]] = None) -> "Service":
        """Recreates a service: imports ``service_class`` ("module.ClassName") and calls it
        with ``data`` as keyword arguments (keys starting with ``__`` are left out; the
        ``{"__path__": ...}`` values become paths, through ``path_translator`` when given).

        :raises ValueError: the class cannot be imported, or the service (its class
            attribute or the ``__unserializable__`` key of ``data``) says it cannot be
            recreated.
        """
        data = dict(data or {})
        if data.get("__unserializable__"):
            reason = data.get("__reason__") or "its state dictionary says it cannot be"
            raise ValueError(f"service {service_class} cannot be recreated: {reason}")
        if not service_class:
            raise ValueError("cannot recreate a service: no class name given")
        cls = _load_class(service_class)
        if not isinstance(cls, type):
            raise ValueError(f"cannot recreate the service: {service_class} is not a class")
        if getattr(cls, "__unserializable__", False):
            raise ValueError(
                f"service class {service_class} is marked __unserializable__:"
                " it cannot be recreated from a state dictionary"
            )

        def restore(value):
            if isinstance(value, dict):
                if len(value) == 1 and "__path__" in value:
                    raw = value["__path__"]
                    return path_translator(raw) if path_translator is not None else Path(raw)
                return {key: restore(item) for key, item in value.items()}
            if isinstance(value, list):
                return [restore(item) for item in value]
            return value

        kwargs = {key: restore(value) for key, value in data.items() if not key.startswith("__")}
        try:
            return cls(**kwargs)
        except TypeError as e:
            raise ValueError(
                f"cannot recreate {service_class} with arguments {sorted(kwargs)}: {e}"
            ) from e


class _ReadyEvent(threading.Event):
    """The ``running`` event given to ``WebService._serve``: setting it marks the service
    RUNNING (when it is still starting)."""

    def __init__(self, on_ready: Callable[[], None]):
        super().__init__()
        self._on_ready = on_ready

    def set(self):
        if not self.is_set():
            self._on_ready()
        super().set()

    def wake(self):
        """Wakes up the waiters without marking the service as running."""
        super().set()


class WebService(Service):
    """A web server running in a daemon thread of the experiment driver.

    Subclasses set ``id`` and implement :meth:`_serve`, which starts the server, sets
    ``self.url``, calls ``running.set()`` and serves until :meth:`should_stop` is true.
    :meth:`get_url` starts the service on first use.
    """

    def __init__(self, log_directory: Optional[Path] = None):
        super().__init__(log_directory=log_directory)
        self.url: Optional[str] = None
        self.thread: Optional[threading.Thread] = None
        self._stop_event = threading.Event()
        self._start_lock = threading.RLock()
        self._running_event: Optional[_ReadyEvent] = None

    def set_starting(self) -> None:
        # get_url() manages the state of this service: only forget the last error
        self._error = None

    def should_stop(self) -> bool:
        """True once :meth:`stop` has been called (to check in the ``_serve`` loop)."""
        return self._stop_event.is_set()

    @abc.abstractmethod
    def _serve(self, running: threading.Event):
        """Runs the server (in the service thread): set ``self.url``, call
        ``running.set()`` when it accepts requests, return once :meth:`should_stop`."""

    def _mark_ready(self):
        with self._start_lock:
            if self.state is ServiceState.STARTING and not self._stop_event.is_set():
                self.state = ServiceState.RUNNING

    def serve(self):
        """Starts :meth:`_serve` in a daemon thread (nothing happens if it already runs)."""
        with self._start_lock:
            if self.thread is not None and self.thread.is_alive() and not self.should_stop():
                return
            self._stop_event.clear()
            self._error = None
            self.url = None
            running = _ReadyEvent(self._mark_ready)
            self._running_event = running
            self.state = ServiceState.STARTING
            self.thread = threading.Thread(target=self._run, args=(running,),
                                           name=f"service[{self._service_id()}]", daemon=True)
            self.thread.start()

    def _run(self, running: _ReadyEvent):
        handlers = (None, None)
        try:
            handlers = self.setup_logging()
            self._serve(running)
        except BaseException as e:  # noqa: BLE001 - reported through the service state
            logger.exception("service %s failed", self._service_id())
            with self._start_lock:
                if self._running_event is running:
                    self.url = None
                    self.set_error(_error_text(e))
        else:
            with self._start_lock:
                # _serve returned without being asked to: the service ended by itself
                if (self._running_event is running and not self.should_stop()
                        and self.state in (ServiceState.STARTING, ServiceState.RUNNING)):
                    self.url = None
                    self.state = ServiceState.STOPPED
        finally:
            try:
                self.cleanup_logging(*handlers)
            finally:
                running.wake()

    def get_url(self) -> str:
        """The URL of the service; starts it first (and waits until it is ready) when it
        is not running.

        :raises RuntimeError: the service is stopping, or it could not start.
        """
        with self._start_lock:
            if self.state is ServiceState.STOPPING:
                raise RuntimeError(f"service {self._service_id()} is stopping: cannot start it")
            if self.state is ServiceState.RUNNING and self.thread is not None and self.thread.is_alive():
                return self.url
            if self.state is not ServiceState.STARTING or self._running_event is None:
                self.serve()
            running = self._running_event
        running.wait()
        with self._start_lock:
            if self._running_event is not running:
                # stopped (and maybe restarted) meanwhile
                raise RuntimeError(f"service {self._service_id()} was stopped while starting")
            if self.state is ServiceState.ERROR:
                raise RuntimeError(f"service {self._service_id()} failed to start: {self.error}")
            if self.state is not ServiceState.RUNNING:
                raise RuntimeError(
                    f"service {self._service_id()} ended before being ready"
                    f" (state {self.state.name})"
                )
            return self.url

    def stop(self, timeout: float = 2.0):
        """Asks the service thread to stop (:meth:`should_stop` becomes true), waits up to
        ``timeout`` seconds for it, and moves to STOPPED. A thread that does not stop in
        time is left running (it is a daemon thread) with a warning."""
        with self._start_lock:
            thread = self.thread
            alive = thread is not None and thread.is_alive()
            if self.state is ServiceState.STOPPED and not alive:
                return
            self._stop_event.set()
            running = self._running_event
            self.state = ServiceState.STOPPING
        if alive and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                logger.warning(
                    "service %s: its thread did not stop within %s s; it is left running"
                    " (daemon thread)", self._service_id(), timeout)
        with self._start_lock:
            self.url = None
            self._running_event = None
            self.state = ServiceState.STOPPED
        if running is not None:
            running.wake()


class ProcessWebService(Service):
    """A web server running as a separate process (its own process group).

    Subclasses set ``id`` and implement :meth:`_build_command` (the command line) and
    :meth:`_wait_for_ready` (blocks until the server is ready, returns its URL; it
    typically reads :attr:`stderr` / :attr:`stdout`, where the output of the process
    goes). The process runs in the log directory; ``self.process`` is its Popen.
    """

    def __init__(self, log_directory: Optional[Path] = None):
        super().__init__(log_directory=log_directory)
        self.url: Optional[str] = None
        self.process: Optional[subprocess.Popen] = None
        self._start_lock = threading.RLock()
        self._running_event: Optional[threading.Event] = None
        self._ready = False
        self._atexit_registered = False

    def set_starting(self) -> None:
        # get_url() manages the state of this service: only forget the last error
        self._error = None

    @abc.abstractmethod
    def _build_command(self) -> List[str]:
        """The command line of the service process."""

    @abc.abstractmethod
    def _wait_for_ready(self) -> str:
        """Blocks until the process serves; returns its URL (raises if it cannot start)."""

    def _alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _start_process(self):
        command = [str(part) for part in self._build_command()]
        self.log_directory.mkdir(parents=True, exist_ok=True)
        logger.info("starting service %s: %s", self._service_id(), " ".join(command))
        with open(self.stdout, "wb") as out, open(self.stderr, "wb") as err:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                       cwd=str(self.log_directory),
                                       start_new_session=(os.name == "posix"))
        self.process = process
        self.url = None
        self._ready = False
        self._running_event = threading.Event()
        self.state = ServiceState.STARTING
        if not self._atexit_registered:
            atexit.register(self._kill_at_exit)
            self._atexit_registered = True
        threading.Thread(target=self._monitor, args=(process, self._running_event),
                         name=f"service-monitor[{self._service_id()}]", daemon=True).start()

    def _monitor(self, process: subprocess.Popen, running: threading.Event):
        try:
            url = self._wait_for_ready()
        except BaseException as e:  # noqa: BLE001 - reported through the service state
            with self._start_lock:
                starting = (self.process is process and self._running_event is running
                            and self.state is ServiceState.STARTING)
                if starting:
                    logger.error("service %s could not start: %s", self._service_id(), e)
                    self.set_error(_error_text(e))
            if starting:
                self._terminate(process, 2.0)
            running.set()
            return
        with self._start_lock:
            if self.process is process and self.state is ServiceState.STARTING:
                self.url = url
                self._ready = True
                self.state = ServiceState.RUNNING
        running.set()
        code = process.wait()
        with self._start_lock:
            if self.process is not process or self.state not in (ServiceState.STARTING,
                                                                 ServiceState.RUNNING):
                return  # stopped by us, or already reported
            self.url = None
            if code != 0:
                self.set_error(f"the service process exited with code {code}")
            else:
                self.state = ServiceState.STOPPED

    def get_url(self) -> str:
        """The URL of the service; starts the process first (and waits until
        :meth:`_wait_for_ready` returns) when it does not run.

        :raises RuntimeError: the service is stopping, has no log directory, or could
            not start.
        """
        with self._start_lock:
            if self.state is ServiceState.STOPPING:
                raise RuntimeError(f"service {self._service_id()} is stopping: cannot start it")
            if self.state is ServiceState.RUNNING and self._alive():
                return self.url
            if not (self.state is ServiceState.STARTING and self._alive()):
                if self.log_directory is None:
                    raise RuntimeError(
                        f"service {self._service_id()} has no log directory: add it to an"
                        " experiment (xp.add_service) or give log_directory= to its constructor"
                    )
                try:
                    self._start_process()
                except Exception as e:
                    self.set_error(f"cannot start the service process: {_error_text(e)}")
                    raise RuntimeError(
                        f"service {self._service_id()} failed to start: {self.error}") from e
            running, process = self._running_event, self.process
        # Wait for _wait_for_ready; a process that exits first will never be ready
        while not running.wait(0.1):
            code = process.poll()
            if code is not None:
                with self._start_lock:
                    if (self.process is process and self.state is ServiceState.STARTING
                            and not self._ready):
                        self.set_error(
                            f"the service process exited with code {code} before being ready")
                running.set()
        with self._start_lock:
            if self.process is not process or self._running_event is not running:
                raise RuntimeError(f"service {self._service_id()} was stopped while starting")
            if self.state is ServiceState.ERROR:
                raise RuntimeError(f"service {self._service_id()} failed to start: {self.error}")
            if self.state is not ServiceState.RUNNING:
                raise RuntimeError(
                    f"service {self._service_id()} ended before being ready"
                    f" (state {self.state.name})"
                )
            return self.url

    @staticmethod
    def _signal(process: subprocess.Popen, sig) -> None:
        try:
            if os.name == "posix":
                os.killpg(process.pid, sig)
            elif sig == getattr(signal, "SIGKILL", None):
                process.kill()
            else:
                process.terminate()
        except (ProcessLookupError, PermissionError):
            pass

    def _terminate(self, process: subprocess.Popen, timeout: float):
        """SIGTERM to the process group, SIGKILL after ``timeout`` seconds."""
        if process.poll() is None:
            self._signal(process, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
                return
            except subprocess.TimeoutExpired:
                logger.warning("service %s did not stop within %s s: killing it",
                               self._service_id(), timeout)
        # The leader may be gone while others of its group still run
        self._signal(process, getattr(signal, "SIGKILL", signal.SIGTERM))
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.error("service %s: process %d does not die", self._service_id(), process.pid)

    def _kill_at_exit(self):
        process = self.process
        if process is not None and process.poll() is None:
            self._terminate(process, 1.0)

    def stop(self, timeout: float = 2.0):
        """Stops the process: SIGTERM to its process group, SIGKILL when it still runs
        after ``timeout`` seconds; the service is then STOPPED."""
        with self._start_lock:
            process = self.process
            if self.state is ServiceState.STOPPED and not self._alive():
                return
            running = self._running_event
            self.state = ServiceState.STOPPING
        if process is not None:
            self._terminate(process, timeout)
        with self._start_lock:
            self.url = None
            self._ready = False
            self._running_event = None
            self.state = ServiceState.STOPPED
        if running is not None:
            running.set()
        if self._atexit_registered:
            atexit.unregister(self._kill_at_exit)
            self._atexit_registered = False
