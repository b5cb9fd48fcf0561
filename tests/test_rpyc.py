"""experimaestro.rpyc: a Python session in another process through an rpyc server on a
Unix socket (the remote end of datamaestro's Context.remote)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

rpyc = pytest.importorskip("rpyc")

from experimaestro.rpyc import READY, client, wait_ready  # noqa: E402


def _server(socket_path: Path, *options):
    return subprocess.Popen([sys.executable, "-m", "experimaestro", "rpyc-server", *options,
                             str(socket_path)], stdout=subprocess.PIPE, text=True)


def test_server_serves_one_connection_then_cleans_up(tmp_path):
    folder = tmp_path / "remote"
    folder.mkdir()
    socket_path = folder / "server.sock"
    process = _server(socket_path, "--clean")
    wait_ready(process, 30, "the test server")
    connection = rpyc.classic.unix_connect(str(socket_path))
    assert connection.modules.os.getpid() == process.pid
    assert connection.eval("1 + 1") == 2
    connection.close()
    assert process.wait(timeout=30) == 0
    assert not folder.exists()  # --clean: the socket and its folder are gone


def test_a_server_that_does_not_start_is_reported(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "print('oops')"], stdout=subprocess.PIPE,
                               text=True)
    with pytest.raises(ConnectionError, match=r"the test server did not start: 'oops'"):
        wait_ready(process, 30, "the test server")


SSH_STANDIN = """#!/usr/bin/env python3
# Stand-in for ssh (this machine has no SSH server): runs the command here, and "forwards"
# -Llocal:remote with a symbolic link (enough for Unix sockets).
import os, subprocess, sys, threading, time
args = sys.argv[1:]
forward = None
while args and args[0].startswith("-"):
    option = args.pop(0)
    if option.startswith("-L"):
        forward = option[2:].split(":")
    elif option == "-p":
        args.pop(0)
host, command = args[0], args[1:]
if forward:
    local, remote = forward
    def link():
        while not os.path.exists(remote):
            time.sleep(0.01)
        os.symlink(remote, local)
    threading.Thread(target=link, daemon=True).start()
    sys.exit(subprocess.call(" ".join(command), shell=True))
sys.exit(subprocess.call(command))
"""


def test_client_through_an_ssh_stand_in(tmp_path, monkeypatch):
    """The client's whole protocol (remote mktemp, server start, forwarded socket, READY
    line, connection, shutdown) with a stand-in for the SSH transport."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ssh = bin_dir / "ssh"
    ssh.write_text(SSH_STANDIN)
    ssh.chmod(ssh.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with client("somehost", sys.executable, port=2222) as c:
        assert c.connection.modules.sys.executable == sys.executable
        remote_pid = c.connection.modules.os.getpid()
        assert remote_pid != os.getpid()
    assert c.connection is None


def test_client_reports_an_ssh_failure(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ssh = bin_dir / "ssh"
    ssh.write_text("#!/bin/sh\necho 'ssh: Could not resolve hostname nowhere' >&2\nexit 255\n")
    ssh.chmod(ssh.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(ConnectionError, match=r"ssh nowhere mktemp -d failed \(255\): ssh:"
                       r" Could not resolve hostname nowhere"):
        client("nowhere", "python3").connect()


def test_ready_line():
    assert READY == "experimaestro rpyc-server ready"
