"""Which workspace an experiment uses, in 2.x's order: ``--workspace ID``, else
``--workdir PATH``, else the first workspace whose ``triggers`` match the experiment id,
else the first workspace (remote workspaces are never chosen by a trigger or by default).
"""

import copy
import dataclasses
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Optional, Tuple

from .files import get_settings, settings_file
from .model import Settings, SettingsError, WorkspaceSettings

__all__ = ["choose_workspace", "find_workspace", "get_workspace", "get_workspace_by_path"]


def get_workspace(id: Optional[str] = None, *,
                  include_remote: bool = False) -> Optional[WorkspaceSettings]:
    """The workspace ``id`` of the settings, or the default one when ``id`` is None (the
    first one, remote ones skipped unless ``include_remote``); None if there is none."""
    for ws in get_settings().workspaces:
        if id is None and (include_remote or not ws.is_remote):
            return ws
        if id is not None and ws.id == id:
            return ws
    return None


def get_workspace_by_path(path) -> Optional[WorkspaceSettings]:
    """The local workspace of the settings whose folder is ``path``, or None."""
    wanted = Path(path).expanduser().resolve()
    for ws in get_settings().workspaces:
        if not ws.is_remote and ws.path.resolve() == wanted:
            return ws
    return None


def find_workspace(*, workspace: Optional[str] = None, workdir=None,
                   experiment_id: Optional[str] = None) -> WorkspaceSettings:
    """The workspace to use (see the module); raises SettingsError when there is none or
    when it needs a feature not provided here."""
    return choose_workspace(workspace=workspace, workdir=workdir,
                            experiment_id=experiment_id)[0]


def choose_workspace(*, workspace: Optional[str] = None, workdir=None,
                     experiment_id: Optional[str] = None,
                     settings: Optional[Settings] = None,
                     to_run: bool = True) -> Tuple[WorkspaceSettings, str]:
    """(the workspace, why it was chosen). With `to_run` (experiments), a workspace
    needing a 2.x feature not provided here is refused; commands that only read or
    manage job folders (``jobs recover`` reads the ``folders``) pass False."""
    settings = get_settings() if settings is None else settings
    if workspace:
        ws, why = _by_id(settings, workspace), f"--workspace {workspace}"
        if workdir:
            # 2.x: the workspace's settings (env, history...) with another folder
            ws, why = _moved(ws, Path(workdir)), f"{why} with --workdir {workdir}"
    elif workdir:
        path = Path(workdir).expanduser().absolute()
        return WorkspaceSettings(id=path.name, path=path), "--workdir"
    else:
        ws, why = _by_trigger(settings, experiment_id) or _default(settings)
    if to_run:
        ws.ensure_supported()
    return ws, why


def _source(settings: Settings) -> Path:
    return getattr(settings, "source", None) or settings_file()


def _by_id(settings: Settings, wid: str) -> WorkspaceSettings:
    try:
        return settings.workspace(wid)
    except KeyError:
        known = ", ".join(w.id for w in settings.workspaces) or "(none)"
        raise SettingsError(f"no workspace with id {wid!r} in {_source(settings)}; known:"
                            f" {known}") from None


def _moved(ws: WorkspaceSettings, path: Path) -> WorkspaceSettings:
    """A copy of ``ws`` in another folder (the shared settings are left as they are)."""
    moved = dataclasses.replace(ws, path=path.expanduser().absolute())
    moved._origins = copy.copy(getattr(ws, "_origins", None))
    return moved


def _by_trigger(settings: Settings, experiment_id: Optional[str]):
    if not experiment_id:
        return None
    for ws in settings.workspaces:
        if ws.is_remote:
            continue
        for pattern in ws.triggers:
            if fnmatchcase(experiment_id, pattern):
                return ws, (f"its trigger {pattern!r} ({ws.where('triggers')}) matches the"
                            f" experiment id {experiment_id!r}")
    return None


def _default(settings: Settings):
    for ws in settings.workspaces:
        if not ws.is_remote:
            return ws, f"the first workspace of {_source(settings)}"
    remote = " (remote workspaces are never the default)" if settings.workspaces else ""
    raise SettingsError(f"no workspace: give --workdir PATH, or --workspace ID with the"
                        f" workspaces listed in {_source(settings)}{remote}")
