"""Init tasks that load a configuration's state, e.g. model weights saved by a task.

Client packages subclass :class:`PathSerializationLWTask` and implement ``execute()``
(load what ``path`` holds into ``value``); the init task is then given with
``init_tasks=[...]`` to the tasks using the configuration.
"""

from typing import List

from .arguments import DataPath, Param
from .config import Config, LightweightTask

__all__ = ["SerializationLWTask", "PathSerializationLWTask"]


class SerializationLWTask(LightweightTask):
    """An init task attached to a configuration whose state is loaded when run."""

    value: Param[Config]
    """The configuration whose state is loaded"""

    registered: List[Config]
    """(at run time) the configurations registered as using the loaded state"""

    def __post_init__(self):
        super().__post_init__()
        self.registered = []

    def register(self, config: Config):
        """Record that `config` uses the loaded state."""
        self.registered.append(config)


class PathSerializationLWTask(SerializationLWTask):
    """A SerializationLWTask whose state lives in a file or folder."""

    path: DataPath
    """Where the state is stored"""
