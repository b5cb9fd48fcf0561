"""Local processes: is a process (from a .pid file or a token holding) still alive?"""

import os


def pid_alive(pid: int) -> bool:
    """True if a process with this id runs (it may belong to another user). A zombie (a
    process that ended, not yet reaped by its parent) is not alive: its job is over."""
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError, TypeError, OverflowError):
        return False
    except PermissionError:
        return True
    return not _zombie(int(pid))


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False  # no /proc (not Linux): as alive as os.kill says
    # pid (comm) STATE ...: the command may hold spaces and parentheses
    return stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] == b"Z"
