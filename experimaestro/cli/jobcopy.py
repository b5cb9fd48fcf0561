"""Copying folders into a workspace (``experiments copy``, ``jobs recover``) so that a
reader never sees half a copy: each is copied under ``.xpm-staging/`` of the destination
workspace (the same file system), then renamed into place.

A job folder is copied without its process record (``NAME.pid``: the process runs, or
ran, where the source is) nor its lock file; the paths of its ``params.json`` that name
the source workspace are rewritten to name the destination (as 2.x does).
"""

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import List

from experimaestro.jobfolder import JobFolder, write_atomic

__all__ = ["CopyError", "Staging", "copy_job_folder", "rewrite_params"]


class CopyError(Exception):
    """A folder could not be copied (the message says which and why)."""


class Staging:
    """A private folder in the destination workspace, removed at the end (``with``)."""

    def __init__(self, workspace: Path):
        self.path = Path(workspace) / ".xpm-staging" / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> "Staging":
        self.path.mkdir(parents=True)
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
        try:
            self.path.parent.rmdir()  # (only when no other copy uses it)
        except OSError:
            pass

    def place(self, staged: Path, final: Path) -> bool:
        """Rename ``staged`` to ``final``; False when ``final`` exists (another process
        made it meanwhile: it is kept)."""
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists() or final.is_symlink():
            return False
        try:
            os.rename(staged, final)
        except OSError as exc:
            if final.exists():
                return False
            raise CopyError(f"cannot move {staged} to {final}: {exc}") from None
        return True


def copy_job_folder(source: Path, staged: Path, source_ws: Path, dest_ws: Path):
    """Copy the job folder ``source`` (of workspace ``source_ws``) to ``staged`` (a new
    path, under a Staging folder of ``dest_ws``)."""
    folder = JobFolder.of(source)
    skipped = {folder.pid.name, folder.lock_file.name}

    def ignore(directory, names):
        return [n for n in names if n in skipped] if Path(directory) == source else []

    try:
        shutil.copytree(source, staged, symlinks=True, ignore=ignore)
    except (OSError, shutil.Error) as exc:
        raise CopyError(f"cannot copy {source}: {exc}") from None
    rewrite_params(staged / "params.json", source_ws, dest_ws)


def rewrite_params(params: Path, source_ws: Path, dest_ws: Path):
    """Make ``params.json`` name ``dest_ws`` where it names ``source_ws``: its
    ``workspace``, and the absolute paths of older files (paths written relative to the
    job or the workspace need nothing)."""
    try:
        data = json.loads(params.read_text())
    except FileNotFoundError:
        return  # (a job folder made by hand, or by an older version: nothing to rewrite)
    except (OSError, ValueError) as exc:
        raise CopyError(f"{params}: cannot read it ({exc})") from None
    prefixes = _forms(source_ws)
    target = str(Path(dest_ws).absolute())

    def rewrite(value: str) -> str:
        for prefix in prefixes:
            if value == prefix or value.startswith(prefix + "/"):
                return target + value[len(prefix):]
        return value

    if isinstance(data.get("workspace"), str):
        data["workspace"] = rewrite(data["workspace"])
    _rewrite_paths(data.get("objects", []), rewrite)
    times = params.stat()
    write_atomic(params, json.dumps(data))
    # Its time is when the job was submitted (`jobs list`): kept
    os.utime(params, ns=(times.st_atime_ns, times.st_mtime_ns))


def _forms(path: Path) -> List[str]:
    """The ways a workspace path may be written (as given, and with links resolved)."""
    forms = [str(Path(path).absolute()), str(Path(path).resolve())]
    return list(dict.fromkeys(forms))


def _rewrite_paths(value, rewrite):
    if isinstance(value, list):
        for item in value:
            _rewrite_paths(item, rewrite)
    elif isinstance(value, dict):
        if (value.get("type") in ("path", "path.serialized") and "base" not in value
                and isinstance(value.get("value"), str)):
            value["value"] = rewrite(value["value"])
            return
        for item in value.values():
            _rewrite_paths(item, rewrite)
