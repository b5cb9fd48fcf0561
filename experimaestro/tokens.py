"""Counter tokens: a capacity shared by every process using the same token folder.

Holdings are files ``<token folder>/<holder>.json`` ({"count", "pid", "host", "job"});
the folder lock makes acquisitions atomic. A holding whose process is gone (same host)
is ignored and removed.
"""

import fcntl
import json
import os
import socket
import uuid
from pathlib import Path
from typing import List, Optional
from experimaestro.processes import pid_alive as _alive

__all__ = ["CounterToken", "TokenDependency", "acquire_all", "release_all"]

_HOST = socket.gethostname()


class TokenDependency:
    """A job needs `count` units of `token`."""

    def __init__(self, token: "CounterToken", count: int):
        self.token = token
        self.count = count
        self.holding: Optional[str] = None

    def __repr__(self):
        return f"TokenDependency({self.token.name}, {self.count})"


class CounterToken:
    """A token with a total capacity; ``token(n, task)`` makes the task need n units."""

    def __init__(self, path: Path, total: int):
        if total < 1:
            raise ValueError(f"CounterToken {path.name}: the capacity must be >= 1, got {total}")
        self.path = Path(path)
        self.name = self.path.name
        self.total = total

    def _locked(self):
        self.path.mkdir(parents=True, exist_ok=True)  # on first use (a dry run writes nothing)
        f = open(self.path / ".lock", "a")
        fcntl.flock(f, fcntl.LOCK_EX)
        return f

    def dependency(self, count: int = 1) -> TokenDependency:
        if count > self.total:
            raise ValueError(
                f"token {self.name}: a job asks {count} units but the capacity is {self.total}"
            )
        return TokenDependency(self, count)

    def __call__(self, count: int, task):
        """Make `task` need `count` units of this token; returns the task."""
        task.add_dependencies(self.dependency(count))
        return task

    # -- holdings ----------------------------------------------------------------

    def _used(self) -> int:
        used = 0
        for p in self.path.glob("*.json"):
            try:
                data = json.loads(p.read_text())
            except (OSError, ValueError):
                continue
            if data.get("host") == _HOST and not _alive(data.get("pid", 0)):
                p.unlink(missing_ok=True)  # a crashed holder
                continue
            used += int(data.get("count", 0))
        return used

    def try_acquire(self, count: int, job: str = "") -> Optional[str]:
        """Take `count` units if available; returns the holding id (None: not available)."""
        lock = self._locked()
        try:
            if self._used() + count > self.total:
                return None
            holding = uuid.uuid4().hex
            record = {"count": count, "pid": os.getpid(), "host": _HOST, "job": job}
            (self.path / f"{holding}.json").write_text(json.dumps(record))
            return holding
        finally:
            lock.close()

    def release(self, holding: str):
        (self.path / f"{holding}.json").unlink(missing_ok=True)

    @property
    def available(self) -> int:
        lock = self._locked()
        try:
            return self.total - self._used()
        finally:
            lock.close()

    def __repr__(self):
        return f"CounterToken({self.name}, total={self.total})"


def acquire_all(deps: List[TokenDependency], job: str = "") -> bool:
    """All-or-nothing: take every token, or none."""
    taken = []
    for dep in deps:
        holding = dep.token.try_acquire(dep.count, job)
        if holding is None:
            for d in taken:
                d.token.release(d.holding)
                d.holding = None
            return False
        dep.holding = holding
        taken.append(dep)
    return True


def release_all(deps: List[TokenDependency]):
    for dep in deps:
        if dep.holding is not None:
            dep.token.release(dep.holding)
            dep.holding = None
