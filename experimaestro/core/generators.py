"""Paths generated inside the job folder (``field(default_factory=PathGenerator(...))``)."""

from pathlib import Path
from typing import Callable, Optional, Union

__all__ = ["PathGenerator", "pathgenerator"]


class PathGenerator:
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
        base = context.partial_path(self.partial, config) if self.partial else context.jobpath
        if callable(self.path) and not isinstance(self.path, (str, Path)):
            return Path(self.path(context, config))
        return base / self.path if self.path else base

    def __repr__(self):
        return f"PathGenerator({self.path!r})"


class pathgenerator(PathGenerator):
    """Legacy form: ``x: Annotated[Path, pathgenerator("out.txt")]``."""


def pathgenerator_marker_default(marker) -> Optional[PathGenerator]:
    return marker if isinstance(marker, PathGenerator) else None
