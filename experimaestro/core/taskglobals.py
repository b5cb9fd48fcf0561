"""Process-wide state of a running task (job side): job folder, launcher information."""

from pathlib import Path
from typing import Optional

from .hooks import current_workspace
from .outputs import DYNAMIC_OUTPUTS_FILE, output_record


class Env:
    """The environment of the task running in this process (``Env.instance()``)."""

    _instance: Optional["Env"] = None

    def __init__(self):
        self.taskpath: Optional[Path] = None
        self.workspace: Optional[Path] = None
        self.launcher_info = None
        self.slave = False
        #: the task being run in this process (the instance whose execute() runs)
        self.task = None

    @staticmethod
    def instance() -> "Env":
        if Env._instance is None:
            Env._instance = Env()
        return Env._instance

    def cache_root(self) -> Path:
        if self.workspace is not None:
            return Path(self.workspace) / "config"
        workspace = current_workspace()  # (the experiment in progress, if any)
        if workspace is None:
            raise RuntimeError(
                "@cache needs a workspace: call it inside a task or an experiment"
            )
        return Path(workspace) / "config"

    def register_output(self, config, method, args, kwargs):
        """Announce a dynamic output: one JSON line in the job folder, read by the
        experiment that watches it (``watch_output``)."""

        if self.taskpath is None or self.task is None:
            raise RuntimeError(
                "register_task_output() is called by a task while it runs (in its job);"
                " here no task is running"
            )
        line = output_record(self.task, method, args, kwargs)
        path = Path(self.taskpath) / DYNAMIC_OUTPUTS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write of a whole line: a reader never sees half a record as complete
        with open(path, "a") as f:
            f.write(line + "\n")
