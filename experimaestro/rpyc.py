"""A Python session on another host, reached through SSH (used by datamaestro's
``Context.remote``): ``with client(hostname, pythonpath) as c: c.connection.modules...``.

The remote side runs ``<pythonpath> -m experimaestro rpyc-server --clean SOCKET``: an rpyc
"classic" server on a Unix socket, which SSH forwards to a local socket. Needs the rpyc
package on both sides (``pip install 'experimaestro[rpyc]'``).
"""

import atexit
import logging
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import List, Optional

try:
    import rpyc
    from rpyc.core.service import ClassicService
    from rpyc.utils.server import OneShotServer
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"experimaestro.rpyc needs the rpyc package: pip install 'experimaestro[rpyc]' ({e})"
    ) from e

logger = logging.getLogger("xpm.rpyc")

__all__ = ["client", "start_server", "READY"]

#: The line the server prints on its standard output once it listens
READY = "experimaestro rpyc-server ready"


class client:
    """A connection to a Python process started on `hostname` (``ssh hostname``, with
    `port` as the SSH port); `pythonpath` is the remote interpreter, which must have
    experimaestro and rpyc installed. ``connection`` is an rpyc classic connection."""

    def __init__(self, hostname: str, pythonpath: str, port: Optional[int] = None,
                 timeout: float = 60.0):
        self.hostname = hostname
        self.pythonpath = pythonpath
        self.port = port
        self.timeout = timeout
        self.connection = None
        self._process: Optional[subprocess.Popen] = None
        self._tmp: Optional[str] = None

    def ssh(self, *options: str) -> List[str]:
        """The ssh command line to the host, with `options` (the remote command, if any, is
        appended by the caller)."""
        command = ["ssh", *options]
        if self.port:
            command += ["-p", str(self.port)]
        command.append(self.hostname)
        return command

    def connect(self):
        remote_dir = subprocess.run([*self.ssh(), "mktemp", "-d"], capture_output=True, text=True,
                                    timeout=self.timeout)
        if remote_dir.returncode != 0:
            raise ConnectionError(f"ssh {self.hostname} mktemp -d failed"
                                  f" ({remote_dir.returncode}): {remote_dir.stderr.strip()}")
        remote_socket = f"{remote_dir.stdout.strip()}/rpyc-server.sock"
        self._tmp = tempfile.mkdtemp(prefix="xpm-rpyc-")
        local_socket = str(Path(self._tmp) / "rpyc-client.sock")
        remote = shlex.join([self.pythonpath, "-m", "experimaestro", "rpyc-server", "--clean",
                             remote_socket])
        command = [*self.ssh(f"-L{local_socket}:{remote_socket}"), remote]
        logger.debug("starting %s", command)
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        atexit.register(self._kill)
        wait_ready(self._process, self.timeout, f"the rpyc server on {self.hostname}")
        self.connection = rpyc.classic.unix_connect(local_socket)
        return self

    def _kill(self):
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)  # the one-shot server ends with the connection
            except subprocess.TimeoutExpired:
                self._kill()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        return self.connect()

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()


def wait_ready(process: subprocess.Popen, timeout: float, what: str):
    """Wait for the READY line of a server process (its stdout, in text mode)."""
    lines: List[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()),
                              daemon=True)
    reader.start()
    reader.join(timeout)
    if not lines or lines[0].strip() != READY:
        process.kill()
        got = lines[0].strip() if lines else f"nothing in {timeout:.0f} s"
        raise ConnectionError(f"{what} did not start: {got!r}"
                              f" (exit code {process.poll()})")


def start_server(unix_path, clean: bool = False, idle_timeout: float = 30.0):
    """Serve one rpyc classic connection on the Unix socket `unix_path`, then return.

    Prints READY once listening; stops if nobody connects within `idle_timeout` seconds;
    with `clean`, removes the socket and its folder at the end.
    """
    unix_path = Path(unix_path)
    connected = threading.Event()

    class Service(ClassicService):
        def on_connect(self, conn):
            connected.set()
            super().on_connect(conn)

    server = OneShotServer(Service, socket_path=str(unix_path), listener_timeout=1,
                           logger=logger)

    def watch():
        while not server.active:
            time.sleep(0.01)
        print(READY, flush=True)
        if not connected.wait(idle_timeout):
            logger.warning("no connection in %s s: stopping", idle_timeout)
            server.close()

    threading.Thread(target=watch, daemon=True).start()
    try:
        server.start()
    finally:
        if clean:
            unix_path.unlink(missing_ok=True)
            try:
                unix_path.parent.rmdir()
            except OSError:
                pass
    sys.stdout.flush()
