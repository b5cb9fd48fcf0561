"""``experimaestro workspaces list``, and how commands find their workspace
(``--workdir PATH``, ``--workspace ID`` of the settings file, its triggers, its first
workspace)."""

import json
from pathlib import PurePath
from typing import Optional

import click

__all__ = ["register", "resolve_workspace", "WorkspaceNotFound"]


class WorkspaceNotFound(click.ClickException):
    exit_code = 2


def register(cli: click.Group):
    cli.add_command(workspaces)


def resolve_workspace(workdir: Optional[str], workspace: Optional[str],
                      experiment_id: Optional[str] = None, to_run: bool = True):
    """The WorkspaceSettings for ``--workspace`` (moved to ``--workdir`` if both are
    given), ``--workdir``, the triggers of the settings (for ``experiment_id``), or the
    first workspace of the settings file; prints why when a trigger chose it."""
    from experimaestro.settings import SettingsError, choose_workspace

    try:
        ws, why = choose_workspace(workspace=workspace, workdir=workdir,
                                   experiment_id=experiment_id, to_run=to_run)
    except SettingsError as exc:
        raise WorkspaceNotFound(str(exc)) from None
    if why.startswith("its trigger"):
        click.echo(f"Workspace {ws.id} ({ws.path}): {why}", err=True)
    return ws


@click.group()
def workspaces():
    """Workspaces of the settings file ($XPM_CONFIG_DIR/settings.yaml)."""


@workspaces.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one list of objects)")
@click.option("-v", "--verbose", is_flag=True,
              help="Show every setting of each workspace (YAML, or the \"settings\" key"
                   " with --json)")
def list_workspaces(as_json, verbose):
    """List the workspaces of the settings file (the first one is the default)."""
    from experimaestro.settings import SettingsError, get_settings, settings_file

    path = settings_file()
    try:
        settings = get_settings()
    except SettingsError as exc:
        raise WorkspaceNotFound(str(exc)) from None
    default = next((ws for ws in settings.workspaces if not ws.is_remote), None)
    rows = [{"id": ws.id, "path": str(ws.path), "exists": ws.path.is_dir(),
             "default": ws is default, "remote": ws.is_remote, "env": ws.env,
             "triggers": ws.triggers} for ws in settings.workspaces]
    if verbose:
        for row, ws in zip(rows, settings.workspaces):
            row["settings"] = workspace_details(ws)
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    if not rows:
        click.echo(f"No workspace in {path}")
        return
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        flags = []
        if r["default"]:
            flags.append("default")
        if r["remote"]:
            flags.append("remote")
        elif not r["exists"]:
            flags.append("missing")
        if r["triggers"]:
            flags.append("triggers: " + ", ".join(r["triggers"]))
        extra = f"  ({', '.join(flags)})" if flags else ""
        click.echo(f"{r['id']:<{width}}  {r['path']}{extra}")
        if verbose:
            click.echo(_indented_yaml(r["settings"]))


def workspace_details(ws) -> dict:
    """Every setting of a workspace but its id and path (shown on its line), whatever
    settings WorkspaceSettings holds, the unknown keys of the settings file included."""
    details = {k: v for k, v in vars(ws).items()
               if k not in ("id", "path", "extra") and not k.startswith("_")}
    details.update(getattr(ws, "extra", None) or {})
    return _plain(details)


def _plain(value):
    """The value with paths as strings and objects as their public attributes (for
    YAML and JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return _plain({k: v for k, v in vars(value).items() if not k.startswith("_")})
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _indented_yaml(details: dict) -> str:
    # yaml only with -v: the other commands do not pay for its import
    import yaml

    text = yaml.safe_dump(details, sort_keys=False, default_flow_style=False).rstrip()
    return "\n".join("    " + line for line in text.splitlines())
