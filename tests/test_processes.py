"""Whether a process of a .pid record is alive: a zombie is not (issue 12, item 2: a new
driver re-attached to a job process that had died, not yet reaped)."""

import os
import time

from experimaestro.processes import pid_alive


def test_a_running_process_is_alive():
    assert pid_alive(os.getpid())


def test_a_zombie_is_not_alive():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:  # until the child has exited (a zombie: not reaped)
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] == "Z":
                    break
            time.sleep(0.01)
        os.kill(pid, 0)  # the process table still has it...
        assert not pid_alive(pid)  # ...but it does not run
    finally:
        os.waitpid(pid, 0)
    assert not pid_alive(pid)


def test_unknown_pids_are_not_alive():
    assert not pid_alive(2**22 + 12345) and not pid_alive("x")
