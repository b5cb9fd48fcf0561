"""Paths generated inside the job folder (``field(default_factory=PathGenerator(...))``)."""

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional, Union

from .walk import is_output, is_submitted, walk

__all__ = ["ConfigWalkContext", "Generator", "PathGenerator", "pathgenerator", "generate_paths",
           "STDOUT", "STDERR"]


class ConfigWalkContext:
    """Where generated values go: ``path`` is the job folder (or any folder given by the
    user, see ``experimaestro.xpmutils.DirectoryContext``).

    A configuration held by the task generates its paths in ``out/<field>/...`` below
    ``path`` (the field path from the task, list indices and dict keys included), so that
    two held configurations never share a generated file (the layout of experimaestro 2.x).
    """

    def __init__(self):
        self._configpath: Optional[Path] = None

    @property
    def path(self) -> Path:
        raise AssertionError(f"{type(self).__name__} does not define a folder for generated paths")

    @property
    def jobpath(self) -> Path:
        return self.path

    @property
    def task(self):
        return None

    @property
    def name(self) -> str:
        """The job's name, which names its files (``<name>.out``, ``<name>.err``...): the
        last dotted part of the task's type id."""
        task = self.task
        if task is None:
            raise AssertionError(f"{type(self).__name__} has no task, hence no job name")
        return str(type(task).__xpm_user_class__.__xpmtype__.identifier).rsplit(".", 1)[-1]

    def currentpath(self) -> Path:
        """The folder of the configuration being generated."""
        return self.path / self._configpath if self._configpath else self.path

    def partial_path(self, partial, config) -> Path:
        raise AssertionError(
            f"{type(self).__name__}: paths shared through partial(...) need a workspace"
            " (they are generated when the task is submitted)"
        )

    @contextmanager
    def push(self, key: str):
        """Generate the values of a nested configuration (below ``out/<key>``)."""
        previous = self._configpath
        self._configpath = (Path("out") if previous is None else previous) / str(key)
        try:
            yield key
        finally:
            self._configpath = previous


class Generator:
    """A value made when the task is submitted: ``field(default_factory=MyGenerator())``.

    Subclasses define ``__call__(self, context, config)``, which returns the value;
    ``context`` is a :class:`ConfigWalkContext` (``context.path`` is the job folder,
    ``context.name`` the job's name). As in 2.x, the value is made for a field left
    unset, and is not part of the identifier.
    """

    def isoutput(self) -> bool:
        """True when the value lies within the job folder (an output of the task)."""
        return False

    def __call__(self, context, config):
        raise TypeError(f"{type(self).__qualname__} (a Generator) must define"
                        " __call__(self, context, config)")


class PathGenerator(Generator):
    """A path relative to the job folder of the task that owns the config.

    ``path`` is a string/Path, or a callable ``(context, config) -> Path``. With
    ``partial=partial(...)``, the path lives in a folder shared by the tasks whose
    partial identifier is the same.
    """

    def __init__(self, path: Union[str, Path, Callable] = "", *, partial=None):
        self.path = path
        self.partial = partial

    def isoutput(self) -> bool:
        """True: the generated path lies within the job folder."""
        return True

    def __call__(self, context=None, config=None) -> Path:
        """The generated path; `context` gives the folder (``context.jobpath``)."""
        if context is None:
            raise ValueError(
                "PathGenerator: a path can only be generated when the task is submitted"
                " (its job folder is then known)"
            )
        if self.partial is not None:
            base = context.partial_path(self.partial, config)
        else:
            current = getattr(context, "currentpath", None)
            base = current() if current is not None else context.jobpath
        if callable(self.path) and not isinstance(self.path, (str, Path)):
            return base / self.path(context, config)
        return base / self.path if self.path else base

    def __repr__(self):
        return f"PathGenerator({self.path!r})"


class pathgenerator(PathGenerator):
    """Legacy form: ``x: Annotated[Path, pathgenerator("out.txt")]``."""


def pathgenerator_marker_default(marker) -> Optional[Generator]:
    return marker if isinstance(marker, Generator) else None


def STDOUT(context, config) -> str:
    """``PathGenerator(STDOUT)``: the name of the job's standard output, ``<name>.out``."""
    return f"{context.name}.out"


def STDERR(context, config) -> str:
    """``PathGenerator(STDERR)``: the name of the job's standard error, ``<name>.err``."""
    return f"{context.name}.err"


def generate_paths(root, context) -> None:
    """Fill the unset PathGenerator fields of `root` and of the configurations it holds.

    The walk goes depth first, in the order the fields are declared, through lists and
    dicts; a configuration reached twice generates its paths at its first position.
    Submitted tasks (they have their own job folder) and task outputs are skipped; as in
    2.x, an unsubmitted task held as a parameter gets its paths here.
    """

    def skip(cfg):
        return cfg is not root and (is_submitted(cfg) or is_output(cfg))

    # As nested push(<field>), push(<position or key>)... would: out/<field>/<key>/...
    base = getattr(context, "_configpath", None)
    out = Path("out") if base is None else base
    try:
        for cfg, path in walk(root, containers=(list, dict), skip=skip, paths=True):
            xpm = cfg.__xpm__
            values = xpm.values
            entered = False
            for name, arg in xpm.xpmtype.arguments.items():
                if arg.generator is not None and values.get(name) is None:
                    if not entered:
                        parts = [str(k) for step in path for k in step[1:]]
                        context._configpath = out.joinpath(*parts) if parts else base
                        entered = True
                    values[name] = arg.generator(context, cfg)
    finally:
        context._configpath = base
