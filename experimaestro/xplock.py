"""The lock of an experiment (``experiments/<name>/lock``), held while one of its runs goes
on: taken both as experimaestro 2.x takes it (``flock``) and as record lock (``lockf``),
since on Linux the two kinds do not see each other — a run of 2.x and a run of this
experimaestro on the same workspace then wait for each other; ``lock_held`` tells the
command line whether a run of either goes on."""

import fcntl
import os
from pathlib import Path

__all__ = ["ExperimentLock", "lock_held"]


class ExperimentLock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd = None

    def acquire(self, blocking: bool = True) -> bool:
        fd = os.open(str(self.path), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            for lock in (fcntl.flock, fcntl.lockf):
                lock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except (BlockingIOError, PermissionError):
            os.close(fd)  # (closing releases what was taken)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


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
