"""The lock of an experiment (``experiments/<name>/lock``), held while one of its runs goes
on: taken both as experimaestro 2.x takes it (``flock``) and as record lock (``lockf``),
since on Linux the two kinds do not see each other — a run of 2.x and a run of this
experimaestro on the same workspace then wait for each other."""

import fcntl
import os
from pathlib import Path

__all__ = ["ExperimentLock"]


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
