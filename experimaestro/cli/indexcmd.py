"""``experimaestro workspace index``: which database holds the index of a workspace — its
SQLite file (the default), or a PostgreSQL database shared by several users, machines
or clusters — checked and built at once (see docs/index-postgres.md)."""

import time
from pathlib import Path
from typing import Optional

import click

from .common import workspace_options

__all__ = ["register"]


def register(group: click.Group):
    group.add_command(index_command)


@click.command("index")
@workspace_options
@click.option("--postgres", "dsn", default=None, metavar="DSN",
              help="Keep the index in this PostgreSQL database, e.g. 'host=db.lab"
                   " dbname=xpm user=me' or postgresql://me@db.lab/xpm (passwords: in"
                   " ~/.pgpass or PGPASSWORD, not here)")
@click.option("--sqlite", is_flag=True,
              help="Keep the index in the SQLite file of the workspace (the default)")
@click.option("--show", is_flag=True, help="Print where the index is kept")
def index_command(workdir, workspace, dsn, sqlite, show):
    """Choose where the index of a workspace is kept, and build it.

    With --postgres, the connection is checked first (the workspace's
    .experimaestro/index.json is written only when it works), then the index is built
    from the job folders. Every driver and command using the workspace then reads and
    updates that database.
    """
    # (loaded here: every command module is imported when experimaestro starts, and
    # these ~30 ms, measured, are only for this command; cli/workspace.py imports us)
    from experimaestro.index.config import IndexConfigError
    from .workspaces import resolve_workspace

    if sum(map(bool, (dsn, sqlite, show))) != 1:
        raise click.UsageError("give one of --postgres DSN, --sqlite or --show")
    path = resolve_workspace(workdir, workspace, to_run=False).path
    if not path.is_dir():
        raise click.ClickException(f"{path}: no such folder (the workspace)")
    try:
        if show:
            click.echo(_describe(path))
        elif sqlite:
            _use_sqlite(path)
        else:
            _use_postgres(path, dsn)
    except IndexConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _describe(path: Path) -> str:
    from experimaestro.index.config import CONFIG_FILE, read_config
    from experimaestro.index.store import INDEX_FILE

    config = read_config(path)
    if config is None or config.get("backend", "sqlite") == "sqlite":
        return f"sqlite: {path / INDEX_FILE}"
    from experimaestro.index.postgres import safe_dsn

    return (f"postgresql: {safe_dsn(config['dsn'])} (workspace id"
            f" {config['workspace_id']}, chosen by {path / CONFIG_FILE})")


def _use_postgres(path: Path, dsn: str):
    from experimaestro.index.config import postgres_store, workspace_id_of, write_config
    from experimaestro.index.errors import IndexUnavailable
    from experimaestro.index.postgres import safe_dsn
    from experimaestro.index.store import INDEX_FILE

    workspace_id = workspace_id_of(path)
    store = postgres_store(path, dsn, workspace_id)
    try:
        store.connect()
        count, seconds = _build(path, store)
    except IndexUnavailable as exc:
        raise click.ClickException(f"{exc}\n(the workspace's index was not changed)") \
            from None
    finally:
        store.close()
    write_config(path, "postgresql", dsn, workspace_id)
    # The SQLite file is no longer updated: removed, so that it is never read stale
    # (--sqlite builds it again)
    for suffix in ("", "-wal", "-shm"):
        (path / f"{INDEX_FILE}{suffix}").unlink(missing_ok=True)
    click.echo(f"Index of {path}: PostgreSQL ({safe_dsn(dsn)}), workspace id"
               f" {workspace_id}: {count} jobs, built in {seconds:.1f} s")


def _use_sqlite(path: Path):
    from experimaestro.index.config import (IndexConfigError, read_config, store_for,
                                            write_config)
    from experimaestro.index.errors import IndexUnavailable
    from experimaestro.index.store import INDEX_FILE

    try:
        config = read_config(path)
    except IndexConfigError as exc:  # (a damaged configuration: replaced all the same)
        click.echo(f"Note: {exc}", err=True)
        config = None
    if config is not None and config.get("backend") == "postgresql":
        # The workspace's rows in the shared database would stay there for nothing
        store = store_for(path)
        try:
            with store.transaction():
                store.clear()
        except IndexUnavailable as exc:
            click.echo(f"Note: its rows in PostgreSQL were left there ({exc})", err=True)
        finally:
            store.close()
    write_config(path, "sqlite")
    count, seconds = _build(path, None)
    click.echo(f"Index of {path}: SQLite ({path / INDEX_FILE}): {count} jobs, built in"
               f" {seconds:.1f} s")


def _build(path: Path, store: Optional[object]):
    """Read every job folder into the index; (number of jobs, seconds)."""
    from experimaestro.index.jobindex import JobIndex

    start = time.perf_counter()
    index = JobIndex(path, store)
    try:
        count = index.rebuild()
    finally:
        if store is None:
            index.close()
    return count, time.perf_counter() - start
