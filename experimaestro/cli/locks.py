"""Is an experiment's lock file (``experiments/<name>/lock``) held by a process?

The experiment process of this implementation holds it with ``fcntl.lockf`` (fasteners);
experimaestro 2.x holds it with ``flock`` (filelock). On Linux the two kinds of lock do
not see each other, so both are tried; neither is kept.
"""

import fcntl
import os
from pathlib import Path

__all__ = ["lock_held"]


def lock_held(path: Path) -> bool:
    """True when another process holds ``path`` with flock or lockf (False when the file
    does not exist: nobody ever took it)."""
    try:
        fd = os.open(str(path), os.O_RDWR)
    except FileNotFoundError:
        return False
    except PermissionError:
        fd = os.open(str(path), os.O_RDONLY)  # (lockf needs write access: flock only)
    try:
        return _flock_held(fd) or _lockf_held(fd)
    finally:
        os.close(fd)  # closing releases whatever this probe took


def _flock_held(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


def _lockf_held(fd: int) -> bool:
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        # EAGAIN or EACCES: another process holds a record lock on it
        return True
    except OSError:
        return False  # opened read-only (EBADF): this kind cannot be tested
    fcntl.lockf(fd, fcntl.LOCK_UN)
    return False
