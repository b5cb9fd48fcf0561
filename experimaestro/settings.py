"""User settings (``~/.config/experimaestro/settings.yaml``): workspaces by id."""

import os
from pathlib import Path
from typing import Dict, List, Optional

__all__ = ["Settings", "WorkspaceSettings", "get_settings", "config_dir", "workspace_from_env"]


def config_dir() -> Path:
    """The configuration folder (``$XPM_CONFIG_DIR`` or ``~/.config/experimaestro``)."""
    env = os.environ.get("XPM_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "experimaestro"


class WorkspaceSettings:
    """One workspace of the settings file."""

    def __init__(self, id: str, path, env: Optional[Dict[str, str]] = None,
                 alt_workspaces: Optional[List[str]] = None, max_retries: int = 3, **extra):
        self.id = id
        self.path = Path(path).expanduser()
        self.env = dict(env or {})
        self.alt_workspaces = list(alt_workspaces or [])
        self.max_retries = max_retries
        self.extra = extra

    def __repr__(self):
        return f"WorkspaceSettings(id={self.id!r}, path={str(self.path)!r})"


class Settings:
    """The content of settings.yaml."""

    def __init__(self, workspaces: Optional[List[WorkspaceSettings]] = None, env=None, **extra):
        self.workspaces = list(workspaces or [])
        self.env = dict(env or {})
        self.extra = extra

    def workspace(self, wid: str) -> WorkspaceSettings:
        for ws in self.workspaces:
            if ws.id == wid:
                return ws
        known = ", ".join(w.id for w in self.workspaces) or "(none)"
        raise KeyError(
            f"no workspace with id {wid!r} in {config_dir() / 'settings.yaml'}; known: {known}"
        )


def get_settings(path: Optional[Path] = None) -> Settings:
    path = Path(path) if path else config_dir() / "settings.yaml"
    if not path.exists():
        return Settings()
    import yaml

    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    workspaces = []
    for i, ws in enumerate(data.get("workspaces") or []):
        if not isinstance(ws, dict) or "id" not in ws or "path" not in ws:
            raise ValueError(f"{path}: workspaces[{i}] needs an 'id' and a 'path'")
        workspaces.append(WorkspaceSettings(**ws))
    rest = {k: v for k, v in data.items() if k not in ("workspaces", "env")}
    return Settings(workspaces, data.get("env"), **rest)


def workspace_from_env(env):
    """(path, environment) from a folder, a WorkspaceSettings or a workspace id."""
    if isinstance(env, WorkspaceSettings):
        return env.path, env.env
    return Path(env), {}
