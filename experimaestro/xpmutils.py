"""Contexts for building instances outside of a job (tests, notebooks, debugging)."""

from pathlib import Path

from experimaestro.core.generators import ConfigWalkContext

__all__ = ["DirectoryContext", "EmptyContext"]


class DirectoryContext(ConfigWalkContext):
    """Generate paths below a folder of your choice, as if it were the job folder:
    ``cfg.instance(DirectoryContext(tmp_path))``."""

    def __init__(self, path: Path):
        super().__init__()
        self._path = Path(path)

    @property
    def path(self) -> Path:
        return self._path


class EmptyContext(ConfigWalkContext):
    """A context without a folder: generating a path is an error."""
