"""Handles on the processes that run jobs, rebuilt from a job's ``.pid`` record.

A launcher writes ``{"type": T, "pid": ..., ...}`` in the job folder when it starts a job.
Whoever reads that record later (the scheduler after a restart, ``experimaestro jobs``)
gets a handle from the registry below, keyed by ``T``, and asks it whether the process
may still run, to stop it, or to follow it to its end: only the launcher that wrote the
record knows what it means.
"""

import importlib
import os
import signal
from abc import ABC, abstractmethod
from typing import ClassVar, Dict, Iterable, Optional, Set, Union

from experimaestro.processes import pid_alive

__all__ = ["ProcessHandle", "LocalHandle", "handle_for", "register_handle", "queued_handles"]


class ProcessHandle(ABC):
    """What a ``.pid`` record names: a process, a cluster job..."""

    #: the record's ``type``
    type: ClassVar[str]
    #: the process runs on this machine (it takes a slot of the job's launcher)
    local: ClassVar[bool] = False
    #: the job may wait in a queue before its process starts (killing it then means
    #: it never ran)
    queue: ClassVar[bool] = False

    def __init__(self, record: dict):
        self.record = record

    @abstractmethod
    def alive(self) -> bool:
        """Whether the process may still run (cheap: a queue is not asked)."""

    @abstractmethod
    def kill(self):
        """Stop it (synchronous); ProcessLookupError when it had already ended."""

    @abstractmethod
    def describe(self) -> str:
        """What it is and how it is stopped, for messages (``local process group 12``)."""

    @abstractmethod
    def follow(self, job, launcher):
        """A LauncherProcess whose ``wait()`` returns when the job ended (`launcher`:
        the job's launcher in this run, reused when it can ask the process)."""

    @classmethod
    def queued(cls, handles: Iterable["ProcessHandle"]) -> Set["ProcessHandle"]:
        """Those of `handles` (all of this class) still waiting in a queue: one query
        for all of them; empty when nothing can be asked."""
        return set()


class LocalHandle(ProcessHandle):
    """A local process (DirectLauncher), leader of its own process group."""

    type = "local"
    local = True

    @property
    def pid(self):
        return self.record.get("pid")

    def alive(self) -> bool:
        return pid_alive(self.pid)

    def kill(self):
        try:
            pid = int(self.pid)
        except (TypeError, ValueError):
            raise ProcessLookupError(f"no process id in the record {self.record}") from None
        os.killpg(pid, signal.SIGTERM)

    def describe(self) -> str:
        return f"local process group {self.pid} (SIGTERM)"

    def follow(self, job, launcher):
        from .follow import MarkerFollower  # (asyncio: only in the driver)

        return MarkerFollower(job, launcher, self)


#: record type -> handle class, or "module:Class" imported on first use (so that reading
#: a local record does not load the Slurm launcher)
_REGISTRY: Dict[str, Union[type, str]] = {
    "local": LocalHandle,
    "slurm": "experimaestro.launchers.slurm:SlurmHandle",
}


def register_handle(record_type: str, handle_class: Union[type, str]):
    """Declare the handle class of the ``.pid`` records of type `record_type` (a class,
    or ``"module:Class"``); for launchers defined outside experimaestro."""
    _REGISTRY[record_type] = handle_class


def _handle_class(record_type) -> Optional[type]:
    found = _REGISTRY.get(record_type)
    if isinstance(found, str):
        module, _, name = found.partition(":")
        found = _REGISTRY[record_type] = getattr(importlib.import_module(module), name)
    return found


def handle_for(record) -> Optional[ProcessHandle]:
    """The handle of a ``.pid`` record; None for a missing or unreadable record, or one of
    an unknown type."""
    if not isinstance(record, dict):
        return None
    cls = _handle_class(record.get("type"))
    return None if cls is None else cls(record)


def queued_handles(handles: Iterable[ProcessHandle]) -> Set[ProcessHandle]:
    """Those of `handles` that still wait in a queue (one query per kind of handle)."""
    by_class: Dict[type, list] = {}
    for handle in handles:
        by_class.setdefault(type(handle), []).append(handle)
    queued: Set[ProcessHandle] = set()
    for cls, group in by_class.items():
        queued |= cls.queued(group)
    return queued
