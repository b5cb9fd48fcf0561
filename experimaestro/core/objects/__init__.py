"""The configuration classes, under the module path of experimaestro 2.x.

The code lives in :mod:`experimaestro.core.config` and
:mod:`experimaestro.core.information`; client packages import it from here.
"""

from experimaestro.core.config import (
    Config,
    ConfigMixin,
    InstanceConfig,
    LightweightTask,
    ResumableTask,
    Task,
    copyconfig,
    sealed_set,
    setmeta,
)
from experimaestro.core.generators import ConfigWalkContext
from experimaestro.core.information import ConfigInformation
from experimaestro.core.prepare import Prepare

__all__ = [
    "Config",
    "ConfigMixin",
    "ConfigInformation",
    "ConfigWalkContext",
    "InstanceConfig",
    "LightweightTask",
    "Prepare",
    "ResumableTask",
    "Task",
    "copyconfig",
    "sealed_set",
    "setmeta",
]
