"""A fork server: a small process that forks one child per job.

Starting a job then costs a fork instead of a new interpreter plus its imports. The server
(``python -m experimaestro.launchers.forkserver``) reads one JSON request per line on stdin
and answers on stdout: ``{"id", "pid"}`` once the child runs, ``{"pid", "exit"}`` when it
ends. Each child starts its own session (it outlives the driver and the server), sets its
environment, folder and log files, then runs the job like ``python -m experimaestro.run``.
The server exits when its stdin closes or when its parent (the driver) is gone, however
it died (a process holding the other end of the pipe must not keep it alive); running
jobs keep running.
"""

import json
import os
import select
import signal
import sys

# Variables read at interpreter start-up: a job that changes them needs a fresh process
STARTUP_VARIABLES = ("PYTHONPATH", "PYTHONHASHSEED", "PYTHONHOME", "PYTHONSAFEPATH",
                     "PYTHONNOUSERSITE", "PYTHONOPTIMIZE", "PYTHONWARNINGS", "PYTHONUTF8",
                     "PYTHONIOENCODING", "PYTHONSTARTUP", "PYTHONMALLOC", "PYTHONDEVMODE")


def needs_fresh_process(job_env: dict, server_env: dict) -> bool:
    return any(job_env.get(k) != server_env.get(k) for k in STARTUP_VARIABLES)


def _send(message: dict):
    data = (json.dumps(message) + "\n").encode()
    while data:
        n = os.write(1, data)
        data = data[n:]


def _child(request: dict):
    """In the forked child: become the job process."""
    try:
        os.setsid()
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(out, 1)
        os.dup2(err, 2)
        for fd in (devnull, out, err):
            os.close(fd)
        jobdir = request["jobdir"]
        os.chdir(jobdir)
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["experimaestro.run", jobdir]
        from experimaestro import run

        code = run.main([jobdir])
    except BaseException:  # noqa: BLE001 - report anything, then leave
        import traceback

        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def serve():
    # Preload what every job needs (each child then imports only its task's module)
    import experimaestro.core.analysis  # noqa: F401
    import experimaestro.core.serialization  # noqa: F401
    import experimaestro.run  # noqa: F401
    import experimaestro.taskglobals  # noqa: F401

    extra = os.environ.get("XPM_PYTHONPATH")
    if extra:
        sys.path[:0] = [p for p in extra.split(os.pathsep) if p and p not in sys.path]
    rfd, wfd = os.pipe()
    os.set_blocking(wfd, False)
    signal.set_wakeup_fd(wfd)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver's Ctrl-C is not for us
    buffer = b""
    children = set()
    stdin_open = True
    driver = os.getppid()
    while stdin_open or children:
        readable, _, _ = select.select([0, rfd] if stdin_open else [rfd], [], [], 1.0)
        if os.getppid() != driver:
            break  # the driver died (we were given to init): leave the running jobs alone
        if rfd in readable:
            try:
                os.read(rfd, 4096)
            except BlockingIOError:
                pass
        _reap(children)
        if 0 in readable:
            chunk = os.read(0, 65536)
            if not chunk:
                stdin_open = False
                break  # the driver is gone: leave the running jobs alone
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    os.close(rfd)
                    os.close(wfd)
                    _child(request)
                children.add(pid)
                _send({"id": request["id"], "pid": pid})


def _reap(children: set):
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        children.discard(pid)
        _send({"pid": pid, "exit": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    try:
        serve()
    except BrokenPipeError:
        pass  # the driver is gone before reading our answer: leave the running jobs alone
