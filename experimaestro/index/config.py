"""Which database holds a workspace's index: the workspace says it, in
``.experimaestro/index.json``, so that every driver and command using the workspace
(several users, several clusters) agrees. Without that file: the SQLite file of the
workspace.

    {"backend": "postgresql", "dsn": "host=db.lab dbname=xpm user=me",
     "workspace_id": "<uuid>"}

``workspace_id`` tells this workspace's rows apart in a database shared by several
workspaces. Passwords belong in ``~/.pgpass`` or ``PGPASSWORD``, not in this file.
"""

import json
import uuid
from pathlib import Path
from typing import Optional

from .store import Store

__all__ = ["CONFIG_FILE", "IndexConfigError", "store_for", "read_config", "write_config"]

CONFIG_FILE = Path(".experimaestro") / "index.json"
BACKENDS = ("sqlite", "postgresql")


class IndexConfigError(ValueError):
    """The index configuration of a workspace cannot be used."""


def read_config(workspace: Path) -> Optional[dict]:
    """The index configuration of the workspace, None when it has none (SQLite)."""
    path = workspace / CONFIG_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise IndexConfigError(f"{path}: not JSON ({exc}); fix it, or remove it to use the"
                               " SQLite index of the workspace") from None
    if not isinstance(config, dict) or config.get("backend", "sqlite") not in BACKENDS:
        raise IndexConfigError(f"{path}: \"backend\" must be one of {', '.join(BACKENDS)}")
    if config.get("backend") == "postgresql":
        for key in ("dsn", "workspace_id"):
            if not isinstance(config.get(key), str) or not config[key]:
                raise IndexConfigError(f"{path}: \"{key}\" is missing (a non-empty string);"
                                       " run `experimaestro workspace index --postgres DSN`"
                                       " to write this file")
    return config


def write_config(workspace: Path, backend: str, dsn: Optional[str] = None) -> dict:
    """Make the workspace use ``backend`` (keeping its workspace id when it has one)."""
    if backend not in BACKENDS:
        raise IndexConfigError(f"unknown index backend {backend!r}: one of"
                               f" {', '.join(BACKENDS)}")
    path = workspace / CONFIG_FILE
    if backend == "sqlite":
        path.unlink(missing_ok=True)
        return {"backend": "sqlite"}
    if not dsn:
        raise IndexConfigError("the PostgreSQL backend needs a connection string (DSN), e.g."
                               " 'host=localhost dbname=xpm'")
    try:
        previous = read_config(workspace) or {}
    except IndexConfigError:
        previous = {}
    config = {"backend": backend, "dsn": dsn,
              "workspace_id": previous.get("workspace_id") or str(uuid.uuid4())}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(config, indent=1) + "\n")
    tmp.replace(path)
    return config


def store_for(workspace: Path) -> Optional[Store]:
    """The store the workspace's configuration names; None for the SQLite file."""
    config = read_config(workspace)
    if config is None or config.get("backend", "sqlite") == "sqlite":
        return None
    # psycopg is loaded only for a workspace that uses PostgreSQL
    from .postgres import PostgresStore

    return PostgresStore(config["dsn"], config["workspace_id"])
