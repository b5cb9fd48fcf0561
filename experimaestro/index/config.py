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

from .errors import IndexConfigError
from .store import Store

__all__ = ["CONFIG_FILE", "IndexConfigError", "store_for", "postgres_store", "read_config",
           "write_config", "workspace_id_of"]

CONFIG_FILE = Path(".experimaestro") / "index.json"
BACKENDS = ("sqlite", "postgresql")


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


def write_config(workspace: Path, backend: str, dsn: Optional[str] = None,
                 workspace_id: Optional[str] = None) -> dict:
    """Make the workspace use ``backend`` (with ``workspace_id``, else keeping its
    workspace id when it has one, else a new one)."""
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
    config = {"backend": backend, "dsn": dsn,
              "workspace_id": workspace_id or workspace_id_of(workspace)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(config, indent=1) + "\n")
    tmp.replace(path)
    return config


def workspace_id_of(workspace: Path) -> str:
    """The id of the workspace in a shared database: the one of its configuration, or
    a new one."""
    try:
        previous = read_config(workspace) or {}
    except IndexConfigError:
        previous = {}
    found = previous.get("workspace_id")
    return found if isinstance(found, str) and found else str(uuid.uuid4())


def store_for(workspace: Path) -> Optional[Store]:
    """The store the workspace's configuration names; None for the SQLite file."""
    config = read_config(workspace)
    if config is None or config.get("backend", "sqlite") == "sqlite":
        return None
    return postgres_store(workspace, config["dsn"], config["workspace_id"])


def postgres_store(workspace: Path, dsn: str, workspace_id: str) -> Store:
    """The PostgreSQL store of a workspace (not connected yet)."""
    try:
        # psycopg is loaded only for a workspace that uses PostgreSQL (an optional
        # dependency, and ~120 ms of imports measured here)
        from .postgres import PostgresStore
    except ImportError as exc:
        if not (exc.name or "").startswith("psycopg"):
            raise
        raise IndexConfigError(
            f"{workspace / CONFIG_FILE}: the index of this workspace is in PostgreSQL,"
            f" which needs psycopg ({exc}): pip install 'experimaestro[postgres]'; or use"
            f" the SQLite file of the workspace: `experimaestro workspace index --workdir"
            f" {workspace} --sqlite`") from None
    return PostgresStore(dsn, workspace_id, config_path=workspace / CONFIG_FILE)
