"""experimaestro: typed experiment configurations, stable identifiers, and a job scheduler.

Public names are resolved lazily (job processes import this package, so importing it
must stay cheap).
"""

from .core import hooks as _hooks

__version__ = "2.8.0"

_LAZY = {
    # configurations
    "Config": "experimaestro.core.config",
    "Task": "experimaestro.core.config",
    "LightweightTask": "experimaestro.core.config",
    "ResumableTask": "experimaestro.core.config",
    "InstanceConfig": "experimaestro.core.config",
    "ConfigMixin": "experimaestro.core.config",
    "setmeta": "experimaestro.core.config",
    "sealed_set": "experimaestro.core.config",
    "copyconfig": "experimaestro.core.config",
    "Prepare": "experimaestro.core.prepare",
    # fields
    "Param": "experimaestro.core.arguments",
    "Meta": "experimaestro.core.arguments",
    "Option": "experimaestro.core.arguments",
    "Constant": "experimaestro.core.arguments",
    "DataPath": "experimaestro.core.arguments",
    "OptionalDataPath": "experimaestro.core.arguments",
    "Choices": "experimaestro.checkers",
    "field": "experimaestro.core.arguments",
    "param_group": "experimaestro.core.arguments",
    "ParameterGroup": "experimaestro.core.arguments",
    "partial": "experimaestro.core.partial",
    "Partial": "experimaestro.core.partial",
    "PathGenerator": "experimaestro.core.generators",
    "pathgenerator": "experimaestro.core.generators",
    "Annotated": "typing",
    # 2.x's `Any` (a field of any type, Param[Any]) is typing.Any here: the same field, the
    # same identifiers, and harmless when `from experimaestro import *` shadows typing's
    "Any": "typing",
    "Array": "experimaestro.core.arguments",
    "help": "experimaestro.core.arguments",
    "STDOUT": "experimaestro.core.generators",
    "STDERR": "experimaestro.core.generators",
    "DirectoryContext": "experimaestro.xpmutils",
    # (2.x re-exports pathlib's Path, and old code imports it from here)
    "Path": "pathlib",
    # tags and utilities
    "tag": "experimaestro.core.tags",
    "tags": "experimaestro.core.tags",
    "tagspath": "experimaestro.core.tags",
    "stop_tags": "experimaestro.core.tags",
    "TagDict": "experimaestro.core.tags",
    "deprecate": "experimaestro.core.deprecation",
    "cache": "experimaestro.core.utils",
    "initializer": "experimaestro.core.utils",
    "config_only": "experimaestro.core.utils",
    "DependentMarker": "experimaestro.core.outputs",
    "SubmitHook": "experimaestro.core.types",
    "Identifier": "experimaestro.core.identifier",
    "ValidationError": "experimaestro.core.errors",
    "SealedError": "experimaestro.core.errors",
    "IdentifierError": "experimaestro.core.errors",
    # serialization
    "save": "experimaestro.core.serialization",
    "load": "experimaestro.core.serialization",
    "serialize": "experimaestro.core.serialization",
    "deserialize": "experimaestro.core.serialization",
    "state_dict": "experimaestro.core.serialization",
    "from_state_dict": "experimaestro.core.serialization",
    "from_task_dir": "experimaestro.core.serialization",
    "SerializationContext": "experimaestro.core.serialization",
    "ObjectStore": "experimaestro.core.serialization",
    "SerializationLWTask": "experimaestro.core.serializers",
    "PathSerializationLWTask": "experimaestro.core.serializers",
    "documentation": "experimaestro.mkdocs.annotations",
    # exceptions
    "GracefulTimeout": "experimaestro.exceptions",
    "TaskCancelled": "experimaestro.exceptions",
    "HandledException": "experimaestro.exceptions",
    "FailedExperiment": "experimaestro.exceptions",
    "DirtyGitError": "experimaestro.exceptions",
    "GracefulExperimentExit": "experimaestro.exceptions",
    # progress (job side)
    "progress": "experimaestro.progress",
    "tqdm": "experimaestro.progress",
    "log_metric": "experimaestro.metrics",
    "log_artifact": "experimaestro.metrics",
    # results (reading a workspace)
    "Results": "experimaestro.index.results",
    # scheduler
    "Job": "experimaestro.scheduler.jobs",
    "JobState": "experimaestro.scheduler.jobs",
    "Launcher": "experimaestro.launchers",
    "DirectLauncher": "experimaestro.launchers.direct",
    "experiment": "experimaestro.scheduler.experiment",
    "load_xp_info": "experimaestro.scheduler.xpinfo",
    "load_configs": "experimaestro.scheduler.xpinfo",
    "ExperimentInfo": "experimaestro.scheduler.xpinfo",
    "Action": "experimaestro.actions",
    "Interaction": "experimaestro.actions",
    "CLIInteraction": "experimaestro.actions",
    "RunMode": "experimaestro.scheduler.workspace",
    "TransientMode": "experimaestro.scheduler.workspace",
    "Workspace": "experimaestro.scheduler.workspace",
    "set_launcher": "experimaestro.scheduler.workspace",
    "Scheduler": "experimaestro.scheduler.scheduler",
    "DirtyGitAction": "experimaestro.scheduler.experiment",
    "LauncherRegistry": "experimaestro.launcherfinder.registry",
}

# For type checkers (mypy, pyright...), which do not run __getattr__: the same names,
# imported for real. `TYPE_CHECKING = False` rather than typing's: importing typing costs
# a few milliseconds that `import experimaestro` does not pay.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .core.config import (
        Config as Config,
        Task as Task,
        LightweightTask as LightweightTask,
        ResumableTask as ResumableTask,
        InstanceConfig as InstanceConfig,
        ConfigMixin as ConfigMixin,
        setmeta as setmeta,
        sealed_set as sealed_set,
        copyconfig as copyconfig,
    )
    from .core.prepare import Prepare as Prepare
    from .core.arguments import (
        Param as Param,
        Meta as Meta,
        Option as Option,
        Constant as Constant,
        DataPath as DataPath,
        OptionalDataPath as OptionalDataPath,
        field as field,
        param_group as param_group,
        ParameterGroup as ParameterGroup,
    )
    from .checkers import Choices as Choices
    from .core.partial import partial as partial, Partial as Partial
    from .core.generators import PathGenerator as PathGenerator, pathgenerator as pathgenerator
    from typing import Annotated as Annotated
    from .core.tags import (
        tag as tag,
        tags as tags,
        tagspath as tagspath,
        stop_tags as stop_tags,
        TagDict as TagDict,
    )
    from .core.deprecation import deprecate as deprecate
    from .core.utils import cache as cache, initializer as initializer
    from .core.outputs import DependentMarker as DependentMarker
    from .core.types import SubmitHook as SubmitHook
    from .core.identifier import Identifier as Identifier
    from .core.errors import (
        ValidationError as ValidationError,
        SealedError as SealedError,
        IdentifierError as IdentifierError,
    )
    from .core.serialization import (
        save as save,
        load as load,
        serialize as serialize,
        deserialize as deserialize,
        state_dict as state_dict,
        from_state_dict as from_state_dict,
        from_task_dir as from_task_dir,
        SerializationContext as SerializationContext,
        ObjectStore as ObjectStore,
    )
    from .core.serializers import (
        SerializationLWTask as SerializationLWTask,
        PathSerializationLWTask as PathSerializationLWTask,
    )
    from .mkdocs.annotations import documentation as documentation
    from .exceptions import (
        GracefulTimeout as GracefulTimeout,
        TaskCancelled as TaskCancelled,
        HandledException as HandledException,
        FailedExperiment as FailedExperiment,
    )
    from .progress import progress as progress, tqdm as tqdm
    from .metrics import log_metric as log_metric, log_artifact as log_artifact
    from .index.results import Results as Results
    from .scheduler.jobs import Job as Job, JobState as JobState
    from .launchers import Launcher as Launcher
    from .launchers.direct import DirectLauncher as DirectLauncher
    from .scheduler.experiment import experiment as experiment
    from .scheduler.xpinfo import load_xp_info as load_xp_info, ExperimentInfo as ExperimentInfo
    from .actions import (
        Action as Action,
        Interaction as Interaction,
        CLIInteraction as CLIInteraction,
    )
    from .scheduler.workspace import (
        RunMode as RunMode,
        TransientMode as TransientMode,
        Workspace as Workspace,
    )
    from .core.arguments import Array as Array, help as help
    from .core.generators import STDERR as STDERR, STDOUT as STDOUT
    from .core.utils import config_only as config_only
    from .exceptions import (
        DirtyGitError as DirtyGitError,
        GracefulExperimentExit as GracefulExperimentExit,
    )
    from .launcherfinder.registry import LauncherRegistry as LauncherRegistry
    from .scheduler.experiment import DirtyGitAction as DirtyGitAction
    from .scheduler.scheduler import Scheduler as Scheduler
    from .scheduler.workspace import set_launcher as set_launcher
    from .scheduler.xpinfo import load_configs as load_configs
    from .xpmutils import DirectoryContext as DirectoryContext
    from pathlib import Path as Path
    from typing import Any as Any


def _submit(task, **options):
    # The scheduler is loaded on the first submit: asyncio & co cost ~60 ms that a job
    # process or a plain `import experimaestro` does not pay
    from .scheduler.submission import submit_task

    return submit_task(task, **options)


# core never imports the scheduler: task.submit() goes through this function
_hooks.set_submitter(_submit)

# Submodules that client packages reach as attributes (``experimaestro.taskglobals.Env``)
_SUBMODULES = {"taskglobals", "mkdocs", "sweeps"}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        if name in _SUBMODULES:
            import importlib

            return importlib.import_module(f"experimaestro.{name}")
        raise AttributeError(f"module 'experimaestro' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = sorted(_LAZY)
