"""Services (experimaestro.scheduler.services): thread and process web services, their
states and listeners, their state dictionaries, and their life within an experiment."""

import http.server
import os
import re
import signal
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from experimaestro import experiment
from experimaestro.scheduler.services import (
    ProcessWebService,
    Service,
    ServiceListener,
    ServiceState,
    WebService,
)

TIMEOUT = 30.0

S = ServiceState


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.read()


class Recorder(ServiceListener):
    """Records the states a service goes through; wait_for() blocks until one is seen."""

    def __init__(self):
        self.states = []
        self._cond = threading.Condition()

    def service_state_changed(self, service):
        with self._cond:
            self.states.append(service.state)
            self._cond.notify_all()

    def wait_for(self, state, timeout=TIMEOUT):
        with self._cond:
            assert self._cond.wait_for(lambda: state in self.states, timeout), (
                f"{state} not reached; states: {self.states}")


# -- thread services ----------------------------------------------------------------------


class HelloService(WebService):
    """Serves b"hello from <id>" with http.server, on a free port."""

    id = "hello"

    def __init__(self, log_directory=None, gate: threading.Event = None):
        super().__init__(log_directory=log_directory)
        self.gate = gate  # when given, _serve waits for it before being ready
        self.threads_started = 0

    def _serve(self, running):
        self.threads_started += 1
        body = f"hello from {self.id}".encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        if self.gate is not None:
            assert self.gate.wait(TIMEOUT)
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        server.timeout = 0.05
        try:
            self.url = f"http://127.0.0.1:{server.server_port}/"
            self.logger.info("serving on %s", self.url)
            running.set()
            while not self.should_stop():
                server.handle_request()
        finally:
            server.server_close()


def test_web_service_serves_and_stops(tmp_path):
    service = HelloService(log_directory=tmp_path / "logs")
    recorder = Recorder()
    service.add_listener(recorder)
    assert service.state is S.STOPPED and service.url is None

    url = service.get_url()
    assert fetch(url) == b"hello from hello"
    assert service.state is S.RUNNING
    assert service.get_url() == url  # already running: same server
    assert service.threads_started == 1
    assert service.thread.daemon

    service.stop(timeout=TIMEOUT)
    assert service.state is S.STOPPED
    assert service.url is None
    assert not service.thread.is_alive()
    assert recorder.states == [S.STARTING, S.RUNNING, S.STOPPING, S.STOPPED]
    with pytest.raises(urllib.error.URLError):
        fetch(url)
    # The records of the service logger went to the stdout log
    assert service.stdout == tmp_path / "logs" / "logs.out"
    assert service.stderr == tmp_path / "logs" / "logs.err"
    assert f"serving on {url}" in service.stdout.read_text()
    assert not service.logger.handlers  # cleaned up at the end of the thread

    # stop() again is harmless; get_url() restarts the service
    service.stop()
    url2 = service.get_url()
    assert fetch(url2) == b"hello from hello"
    assert service.threads_started == 2
    service.stop(timeout=TIMEOUT)
    assert service.state is S.STOPPED


def test_listeners_can_be_removed_and_failing_listeners_are_ignored():
    class Failing(ServiceListener):
        def service_state_changed(self, service):
            raise RuntimeError("listener bug")

    service = HelloService()
    kept, removed = Recorder(), Recorder()
    service.add_listener(Failing())
    service.add_listener(kept)
    service.add_listener(kept)  # added once only
    service.add_listener(removed)
    service.remove_listener(removed)
    service.remove_listener(Recorder())  # unknown: nothing happens
    service.state = S.STARTING
    service.state = S.STOPPED
    assert kept.states == [S.STARTING, S.STOPPED]
    assert removed.states == []


def test_concurrent_get_url_start_one_server():
    gate = threading.Event()
    service = HelloService(gate=gate)
    recorder = Recorder()
    service.add_listener(recorder)
    urls = []

    def call():
        urls.append(service.get_url())

    callers = [threading.Thread(target=call) for _ in range(3)]
    for caller in callers:
        caller.start()
    recorder.wait_for(S.STARTING)
    gate.set()
    for caller in callers:
        caller.join(TIMEOUT)
    try:
        assert len(urls) == 3 and len(set(urls)) == 1
        assert service.threads_started == 1
        assert fetch(urls[0]) == b"hello from hello"
    finally:
        service.stop(timeout=TIMEOUT)


def test_failure_in_serve_sets_error():
    class Broken(WebService):
        id = "broken"

        def _serve(self, running):
            raise OSError("port already in use")

    service = Broken()
    recorder = Recorder()
    service.add_listener(recorder)
    with pytest.raises(RuntimeError, match="port already in use"):
        service.get_url()
    assert service.state is S.ERROR
    assert service.error == "port already in use"
    assert recorder.states == [S.STARTING, S.ERROR]
    # another attempt starts it again (and fails again)
    with pytest.raises(RuntimeError, match="broken failed to start"):
        service.get_url()
    service.stop()
    assert service.state is S.STOPPED


def test_serve_returning_before_ready():
    class Quitter(WebService):
        id = "quitter"

        def _serve(self, running):
            return

    service = Quitter()
    with pytest.raises(RuntimeError, match="ended before being ready"):
        service.get_url()
    assert service.state is S.STOPPED


def test_get_url_while_stopping_raises():
    release = threading.Event()

    class Stubborn(WebService):
        id = "stubborn"

        def _serve(self, running):
            self.url = "http://example.invalid/"
            running.set()
            assert release.wait(TIMEOUT)  # ignores should_stop() until released

    service = Stubborn()
    recorder = Recorder()
    service.add_listener(recorder)
    assert service.get_url() == "http://example.invalid/"
    stopper = threading.Thread(target=service.stop, kwargs={"timeout": TIMEOUT})
    stopper.start()
    try:
        recorder.wait_for(S.STOPPING)
        assert service.should_stop()
        with pytest.raises(RuntimeError, match="stopping"):
            service.get_url()
    finally:
        release.set()
        stopper.join(TIMEOUT)
    assert service.state is S.STOPPED
    assert recorder.states == [S.STARTING, S.RUNNING, S.STOPPING, S.STOPPED]


def test_stop_gives_up_on_a_thread_that_does_not_stop():
    release = threading.Event()

    class Stuck(WebService):
        id = "stuck"

        def _serve(self, running):
            self.url = "http://example.invalid/"
            running.set()
            release.wait(TIMEOUT)

    service = Stuck()
    service.get_url()
    try:
        service.stop(timeout=0.05)
        assert service.state is S.STOPPED
        assert service.thread.daemon
    finally:
        release.set()
        service.thread.join(TIMEOUT)


def test_set_error_and_set_starting():
    class Plain(Service):
        id = "plain"

    service = Plain()
    recorder = Recorder()
    service.add_listener(recorder)
    assert service.error is None and service.description() == "plain"
    service.set_error("no GPU left")
    assert service.state is S.ERROR and service.error == "no GPU left"
    service.set_starting()
    assert service.state is S.STARTING and service.error is None
    assert recorder.states == [S.ERROR, S.STARTING]
    assert service.stdout is None and service.stderr is None
    assert service.setup_logging() == (None, None)
    assert service.experiment_id == "" and service.run_id == ""


# -- process services ---------------------------------------------------------------------


class HttpServerProcess(ProcessWebService):
    """``python -m http.server 0`` (serving its working directory, the log directory)."""

    id = "files"

    def description(self):
        return "Files of the log directory"

    def _build_command(self):
        return [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]

    def _wait_for_ready(self):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"http.server exited with code {self.process.returncode}")
            if self.stdout.exists():
                match = re.search(r"port (\d+)", self.stdout.read_text())
                if match:
                    return f"http://127.0.0.1:{match.group(1)}/"
            time.sleep(0.05)
        raise RuntimeError("http.server did not start")


class ScriptService(ProcessWebService):
    """Runs a python script that writes "URL <url>" on stderr when ready."""

    id = "script"

    def __init__(self, script: str, log_directory=None):
        super().__init__(log_directory=log_directory)
        self.script = textwrap.dedent(script)

    def _build_command(self):
        return [sys.executable, "-u", "-c", self.script]

    def _wait_for_ready(self):
        deadline = time.time() + TIMEOUT
        # Stops looking once get_url() has given up (e.g. the process exited)
        while time.time() < deadline and self.state is S.STARTING:
            if self.stderr.exists():
                match = re.search(r"URL (\S+)", self.stderr.read_text())
                if match:
                    return match.group(1)
            time.sleep(0.05)
        raise RuntimeError("no URL")


def test_process_web_service(tmp_path):
    service = HttpServerProcess(log_directory=tmp_path / "logs")
    recorder = Recorder()
    service.add_listener(recorder)
    url = service.get_url()
    assert service.state is S.RUNNING
    process = service.process
    assert process.poll() is None
    assert b"Serving HTTP" in fetch(url + "logs.out")  # it serves the log directory
    assert service.get_url() == url
    assert service.full_state_dict()["url"] == url

    service.stop(timeout=TIMEOUT)
    assert service.state is S.STOPPED
    assert process.poll() is not None
    assert service.url is None
    assert recorder.states == [S.STARTING, S.RUNNING, S.STOPPING, S.STOPPED]
    with pytest.raises(urllib.error.URLError):
        fetch(url)


def test_process_service_needs_a_log_directory():
    with pytest.raises(RuntimeError, match="log directory"):
        HttpServerProcess().get_url()


@pytest.mark.parametrize("code", [0, 3])
def test_process_exiting_by_itself(tmp_path, code):
    gate = tmp_path / "gate"
    service = ScriptService(f"""
        import os, sys, time
        sys.stderr.write("URL http://127.0.0.1:9/\\n")
        while not os.path.exists({str(gate)!r}):
            time.sleep(0.05)
        sys.exit({code})
    """, log_directory=tmp_path / "logs")
    recorder = Recorder()
    service.add_listener(recorder)
    assert service.get_url() == "http://127.0.0.1:9/"
    gate.touch()
    final = S.ERROR if code else S.STOPPED
    recorder.wait_for(final)
    assert recorder.states == [S.STARTING, S.RUNNING, final]
    assert service.url is None
    if code:
        assert "code 3" in service.error
    service.stop()  # nothing to kill
    assert service.state is S.STOPPED


def test_process_exiting_before_ready(tmp_path):
    service = ScriptService("import sys; sys.exit(2)", log_directory=tmp_path / "logs")
    with pytest.raises(RuntimeError, match="code 2"):
        service.get_url()
    assert service.state is S.ERROR


def test_process_that_cannot_be_started(tmp_path):
    class Missing(ProcessWebService):
        id = "missing"

        def _build_command(self):
            return [str(tmp_path / "no-such-program")]

        def _wait_for_ready(self):
            raise AssertionError("not reached")

    service = Missing(log_directory=tmp_path / "logs")
    with pytest.raises(RuntimeError, match="missing failed to start"):
        service.get_url()
    assert service.state is S.ERROR


@pytest.mark.skipif(os.name != "posix", reason="process groups and SIGKILL")
def test_stop_kills_a_process_ignoring_sigterm(tmp_path):
    service = ScriptService("""
        import os, signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        sys.stderr.write(f"URL http://127.0.0.1:9/{child.pid}\\n")
        time.sleep(600)
    """, log_directory=tmp_path / "logs")
    url = service.get_url()
    child = int(url.rsplit("/", 1)[1])
    service.stop(timeout=0.2)
    assert service.state is S.STOPPED
    assert service.process.returncode == -signal.SIGKILL
    # the child, in the same process group, got the signals too
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the child of the service process still runs")


# -- state dictionaries -------------------------------------------------------------------


class Board(Service):
    id = "board"

    def __init__(self, path: Path, extra: dict = None, n: int = 0):
        super().__init__()
        self.path, self.extra, self.n = path, extra or {}, n

    def description(self):
        return f"board of {self.path}"

    def state_dict(self):
        return {"path": self.path, "extra": self.extra, "n": self.n}


class Unserializable(Board):
    __unserializable__ = True


def test_state_dict_round_trip():
    assert Service.serialize_state_dict({}) == {}
    board = Board(Path("/remote/runs"), extra={"more": [Path("/remote/a"), 1], "x": "y"}, n=3)
    full = board.full_state_dict()
    assert full == {
        "service_id": "board",
        "description": "board of /remote/runs",
        "class": f"{Board.__module__}.Board",
        "state_dict": {
            "path": {"__path__": "/remote/runs"},
            "extra": {"more": [{"__path__": "/remote/a"}, 1], "x": "y"},
            "n": 3,
        },
        "experiment_id": "",
        "run_id": "",
        "state": "STOPPED",
        "url": None,
    }

    copy = Service.from_state_dict(full["class"], full["state_dict"])
    assert isinstance(copy, Board)
    assert copy.path == Path("/remote/runs") and copy.n == 3
    assert copy.extra == {"more": [Path("/remote/a"), 1], "x": "y"}

    def translate(remote: str) -> Path:
        return Path("/cache") / Path(remote).relative_to("/remote")

    local = Service.from_state_dict(full["class"], full["state_dict"], path_translator=translate)
    assert local.path == Path("/cache/runs")
    assert local.extra["more"][0] == Path("/cache/a")


class Exporter(Service):
    id = "export"


class Viewer(Service):
    """Composed as xpm-mlboard composes its services: a cooperative __init__ passing
    log_directory on, state_dict extending the base one, and a sub-service."""

    id = "viewer"

    def __init__(self, path: Path, log_directory=None):
        super().__init__(log_directory=log_directory)
        self.path = path
        self.exporter = Exporter()

    def state_dict(self):
        state = super().state_dict()
        state["path"] = self.path
        return state

    def subservices(self):
        return [self, self.exporter]


def test_base_state_dict_and_subservices(tmp_path):
    viewer = Viewer(tmp_path / "runs", log_directory=tmp_path / "logs")
    assert viewer.state_dict() == {"log_directory": tmp_path / "logs", "path": tmp_path / "runs"}
    full = viewer.full_state_dict()
    assert [s["service_id"] for s in full["subservices"]] == ["viewer", "export"]
    assert viewer.get_subservice("export") is viewer.exporter
    with pytest.raises(KeyError, match="service viewer has no sub-service 'nope'"):
        viewer.get_subservice("nope")
    copy = Service.from_state_dict(full["class"], full["state_dict"])
    assert copy.path == tmp_path / "runs" and copy.log_directory == tmp_path / "logs"
    assert "subservices" not in Exporter().full_state_dict()


def test_from_state_dict_errors():
    data = Service.serialize_state_dict({"path": Path("/x")})
    with pytest.raises(ValueError, match="__unserializable__"):
        Service.from_state_dict(f"{Unserializable.__module__}.Unserializable", data)
    with pytest.raises(ValueError, match="no tensorboard here"):
        Service.from_state_dict(f"{Board.__module__}.Board",
                                {"__unserializable__": True, "__reason__": "no tensorboard here"})
    with pytest.raises(ValueError, match="cannot be imported"):
        Service.from_state_dict("no_such_module_xyz.Board", data)
    with pytest.raises(ValueError, match="has no NoSuchService"):
        Service.from_state_dict("os.NoSuchService", data)
    with pytest.raises(ValueError, match="cannot recreate"):
        Service.from_state_dict(f"{Board.__module__}.Board", {"unknown": 1})


# -- services of an experiment ------------------------------------------------------------


class FailingStop(Service):
    id = "failing-stop"

    def stop(self):
        raise RuntimeError("cannot stop")


def test_services_of_an_experiment(tmp_path, caplog):
    web = HelloService()
    files = HttpServerProcess()
    with experiment(tmp_path / "ws", "name") as xp:
        assert xp.add_service(web) is web
        assert xp.add_service(web) is web  # same instance: nothing changes
        xp.add_service(files)
        xp.add_service(FailingStop())
        assert set(xp.services) == {"hello", "files", "failing-stop"}
        assert xp.services["hello"] is web

        assert web.log_directory == xp.run_path / "services" / "hello"
        assert files.log_directory == xp.run_path / "services" / "files"
        assert web.experiment_id == "name"
        assert web.run_id == xp.run_path.name != ""
        full = web.full_state_dict()
        assert (full["experiment_id"], full["run_id"]) == ("name", xp.run_path.name)

        assert fetch(web.get_url()) == b"hello from hello"
        files_url = files.get_url()
        assert b"Serving HTTP" in fetch(files_url + "logs.out")
        process = files.process
        assert (xp.run_path / "services" / "files" / "logs.out").exists()

    # The end of the experiment stopped the services; the failing stop was only logged
    assert web.state is S.STOPPED and not web.thread.is_alive()
    assert files.state is S.STOPPED and process.poll() is not None
    assert "cannot stop" in caplog.text
    assert "serving on" in (xp.run_path / "services" / "hello" / "logs.out").read_text()


def test_add_service_needs_an_id(tmp_path):
    class NoId(Service):
        pass

    with experiment(tmp_path / "ws", "name") as xp:
        with pytest.raises(ValueError, match="has no id"):
            xp.add_service(NoId())
        first, second = HelloService(), HelloService()
        assert xp.add_service(first) is first
        first.get_url()
        # As documented: the service already added with this id is returned, and kept
        assert xp.add_service(second) is first
        assert xp.services["hello"] is first and first.state is S.RUNNING
        assert second.log_directory is None  # never attached to the experiment
    assert first.state is S.STOPPED
