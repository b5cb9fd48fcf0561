"""DynamicLauncher: for each job, choose one launcher of a list by priority."""

import asyncio
import random
from typing import Dict, List, Optional, Sequence

from . import Launcher, LauncherProcess

__all__ = ["DynamicLauncher"]


class DynamicLauncher(Launcher):
    """Launcher that selects, for each job, one of ``launchers`` by their ``priority``.

    - ``sample=False`` (default): the launcher with the highest priority; among several
      with that priority, one chosen uniformly at random;
    - ``sample=True``: a launcher drawn with probability proportional to its priority
      (all priorities must then be positive).

    :meth:`update` is called before each selection: override it to refresh the
    priorities (or the list ``self._launchers``), e.g. from the state of a cluster.

    :meth:`max_concurrent` is None: the scheduler does not limit the dynamic launcher
    itself. The chosen launcher limits itself: a job waits, after the selection, for a
    free slot of the chosen launcher (its own ``max_concurrent()``, counted over the jobs
    this DynamicLauncher started with it).
    """

    def __init__(self, launchers: Sequence[Launcher], sample: bool = False, *,
                 priority: float = 0, seed: Optional[int] = None, connector=None):
        super().__init__(connector, priority=priority)
        self._launchers: List[Launcher] = list(launchers)
        for launcher in self._launchers:
            if not isinstance(launcher, Launcher):
                raise TypeError(f"DynamicLauncher: {launcher!r} is not a Launcher")
        self.sample = sample
        self._random = random.Random(seed)
        self._slots: Dict[tuple, asyncio.Semaphore] = {}

    @property
    def launchers(self) -> List[Launcher]:
        return list(self._launchers)

    def update(self) -> None:
        """Called before each selection (does nothing here): refresh priorities."""

    def select(self) -> Launcher:
        """Call :meth:`update`, then choose a launcher."""
        self.update()
        launchers = list(self._launchers)
        if not launchers:
            raise ValueError("DynamicLauncher has no launcher to choose from")
        if self.sample:
            bad = [(l, l.priority) for l in launchers if not l.priority > 0]
            if bad:
                listed = ", ".join(f"{l!r} (priority {p!r})" for l, p in bad)
                raise ValueError(
                    "DynamicLauncher(sample=True) draws launchers with a probability "
                    f"proportional to their priority, which must be positive: {listed}"
                )
            return self._random.choices(launchers, weights=[l.priority for l in launchers])[0]
        best = max(l.priority for l in launchers)
        return self._random.choice([l for l in launchers if l.priority == best])

    async def launch(self, job) -> LauncherProcess:
        launcher = self.select()
        slot = self._slot(launcher)
        if slot is None:
            return await launcher.launch(job)
        await slot.acquire()
        try:
            process = await launcher.launch(job)
        except BaseException:
            slot.release()
            raise
        return _SlotProcess(process, slot)

    def _slot(self, launcher: Launcher) -> Optional[asyncio.Semaphore]:
        limit = launcher.max_concurrent()
        if limit is None:
            return None
        key = (id(asyncio.get_running_loop()), id(launcher))
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = asyncio.Semaphore(limit)
        return slot

    def max_concurrent(self) -> Optional[int]:
        """None: each launched job is limited by the launcher chosen for it."""
        return None

    def setenv(self, name: str, value: str):
        """Sets the variable for this launcher and all its launchers."""
        super().setenv(name, value)
        for launcher in self._launchers:
            launcher.setenv(name, value)

    async def close(self):
        loop = id(asyncio.get_running_loop())
        for key in [k for k in self._slots if k[0] == loop]:
            del self._slots[key]
        for launcher in self._launchers:
            await launcher.close()
        await super().close()

    def __repr__(self):
        return f"DynamicLauncher({self._launchers!r}, sample={self.sample})"


class _SlotProcess(LauncherProcess):
    """A job started by the chosen launcher; frees its slot when the job ends."""

    def __init__(self, process: LauncherProcess, slot: asyncio.Semaphore):
        self.process = process
        self._slot = slot

    async def wait(self) -> int:
        try:
            return await self.process.wait()
        finally:
            if self._slot is not None:
                self._slot.release()
                self._slot = None

    def kill(self):
        self.process.kill()

    @property
    def queued(self) -> bool:
        return self.process.queued

    @property
    def end_reason(self):
        return self.process.end_reason

    @property
    def end_message(self):
        return self.process.end_message

    def pid_record(self) -> dict:
        return self.process.pid_record()
