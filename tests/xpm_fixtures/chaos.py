"""The task of the chaos test (tests/scheduler/test_chaos.py) and its graph of ~40 jobs.

Each task records its life in two ledgers shared by every job (one line per O_APPEND
write, atomic between processes): ``started.log`` when execute() begins, ``completed.log``
as the very last thing execute() does; a task started before one of its dependencies
completed says so in ``violations.log``. The scheduler sees the dependencies because the
tasks are parameters of their dependents.
"""

import os
import time
import zlib
from pathlib import Path
from experimaestro import Meta, Param, Task, field


def append_line(path, line: str):
    """One write of one short line, O_APPEND: atomic between processes."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def duration_of(name: str) -> float:
    """A random-ish duration (0.2 to 1.5 s) derived from the task's name."""
    return 0.2 + (zlib.crc32(name.encode()) % 1301) / 1000


class Chaos(Task):
    """Sleeps (duration_of(name)), fails on purpose when `fail`; `deps` are the tasks it
    depends on (they are parameters: the scheduler waits for them)."""

    name: Param[str]
    deps: Param[list["Chaos"]] = field(default_factory=list)
    fail: Param[bool] = False
    ledgers: Meta[Path]

    def execute(self):
        ledgers = Path(self.ledgers)
        append_line(ledgers / "started.log", f"{self.name} {os.getpid()}")
        completed = (ledgers / "completed.log").read_text().split() \
            if (ledgers / "completed.log").exists() else []
        missing = [d.name for d in self.deps if d.name not in completed]
        if missing:
            append_line(ledgers / "violations.log", f"{self.name} started before {missing}")
        time.sleep(duration_of(self.name))
        if self.fail:
            raise RuntimeError(f"chaos failure on purpose ({self.name})")
        append_line(ledgers / "completed.log", f"{self.name} {os.getpid()}")


# name -> (dependencies, fails on purpose), in an order where dependencies come first
GRAPH: dict[str, tuple[list[str], bool]] = {}


def _add(name: str, deps=(), fail: bool = False):
    assert all(d in GRAPH for d in deps), name
    GRAPH[name] = (list(deps), fail)


for _i in range(20):
    _add(f"ind-{_i:02d}")  # independent tasks
_add("chain-0")
for _i in range(1, 8):
    _add(f"chain-{_i}", [f"chain-{_i - 1}"])  # a chain of 8
_add("dia-a")  # a diamond: a -> b, c -> d
_add("dia-b", ["dia-a"])
_add("dia-c", ["dia-a"])
_add("dia-d", ["dia-b", "dia-c"])
_add("fail-1", fail=True)  # failing on purpose, without dependencies
_add("fail-2", ["ind-00"], fail=True)  # failing on purpose after a dependency
_add("dep1-a", ["fail-1"])  # direct dependent
_add("dep1-b", ["dep1-a"])  # transitive dependent
_add("dep1-c", ["ind-01", "fail-1"])  # a failing and a succeeding dependency
_add("dep2-a", ["chain-3", "fail-2"])
_add("dep2-b", ["dep2-a", "dia-d"])  # transitive, beside a succeeding diamond
_add("join", ["chain-7", "dia-d", "ind-19"])  # succeeds: the end of several branches
del _i


def submit_all(ledgers: Path) -> dict[str, Chaos]:
    """Submit the tasks of GRAPH in order (inside an experiment); name -> submitted task."""
    tasks: dict[str, Chaos] = {}
    for name, (deps, fail) in GRAPH.items():
        task = Chaos.C(name=name, deps=[tasks[d] for d in deps], fail=fail, ledgers=ledgers)
        tasks[name] = task.submit()
    return tasks
