"""Process-wide state of a running task (job side): job folder, launcher information."""

from pathlib import Path
from typing import Optional


class Env:
    """The environment of the task running in this process (``Env.instance()``)."""

    _instance: Optional["Env"] = None

    def __init__(self):
        self.taskpath: Optional[Path] = None
        self.workspace: Optional[Path] = None
        self.launcher_info = None
        self.slave = False
        self._outputs = []

    @staticmethod
    def instance() -> "Env":
        if Env._instance is None:
            Env._instance = Env()
        return Env._instance

    def cache_root(self) -> Path:
        if self.workspace is not None:
            return Path(self.workspace) / "config"
        from experimaestro.scheduler.experiment import experiment

        xp = experiment.current_or_none()
        if xp is None:
            raise RuntimeError(
                "@cache needs a workspace: call it inside a task or an experiment"
            )
        return xp.workspace.path / "config"

    def register_output(self, config, method, args, kwargs):
        self._outputs.append((config, method, args, kwargs))
