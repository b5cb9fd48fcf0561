"""Small helpers used by client packages."""

import shutil
from pathlib import Path

__all__ = ["cleanupdir"]


def cleanupdir(path: Path) -> Path:
    """Empty the folder `path` (created if missing) and return it.

    Symbolic links inside are removed, not followed.
    """
    path = Path(path)
    if path.is_dir():
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    path.mkdir(parents=True, exist_ok=True)
    return path
