"""``experimaestro experiments copy``: a run of an experiment, and the job folders it
references, copied to another workspace (2.x's command, local workspaces).

Without ``--perform`` (or 2.x's ``--yes``) it says what it would copy (runcopy.py
copies). What is not given on the command line is asked for, as 2.x does.
"""

from pathlib import Path
from typing import List, Optional

import click

from experimaestro.index.workspace import WorkspaceIndex
from .runcopy import RunCopy

__all__ = ["copy_run"]


@click.command("copy")
@click.argument("experiment_id", required=False)
@click.argument("run_id", required=False)
@click.option("--from-workspace", "from_ws", metavar="ID",
              help="The source: a workspace of the settings file")
@click.option("--to-workspace", "to_ws", metavar="ID",
              help="The destination: a workspace of the settings file")
@click.option("--from-workdir", type=click.Path(file_okay=False), default=None,
              help="The source: a workspace folder")
@click.option("--to-workdir", type=click.Path(file_okay=False), default=None,
              help="The destination: a workspace folder (made if it does not exist)")
@click.option("--perform", "--yes", "-y", "perform", is_flag=True,
              help="Really copy (otherwise, say what would be copied; --yes is 2.x's name)")
@click.pass_context
def copy_run(ctx, experiment_id, run_id, from_ws, to_ws, from_workdir, to_workdir, perform):
    """Copy the run RUN_ID of EXPERIMENT_ID, and the job folders it references, to another
    workspace.

    The source is --from-workdir or --from-workspace (else the workspace given to
    `experiments`); the destination is --to-workdir or --to-workspace. What is not given
    is asked for, among the workspaces of the settings file, the experiments and their
    runs. RUN_ID may be `current`.
    """
    group = ctx.find_object(dict) or {}
    source = _source(from_workdir, from_ws, group)
    dest = _destination(to_workdir, to_ws, source)
    index = WorkspaceIndex(source)
    if not index.is_workspace():
        raise click.ClickException(f"{source} is not an experimaestro workspace (no jobs/"
                                   " folder)")
    _check_destination(dest)
    name = experiment_id or _choose_experiment(index)
    run = _run_folder(index, name, run_id)
    click.echo(f"Experiment {name}, run {run.name}\n  from {source}\n  to   {dest}")
    if name in index.running_experiments() and run.resolve() == index.current_run(name):
        click.echo(f"warning: {name} runs in {source}: its run is copied as it is now",
                   err=True)
    if name in WorkspaceIndex(dest).running_experiments():
        raise click.ClickException(f"experiment {name} runs in {dest}: copy once it has ended")
    errors = RunCopy(index, dest, name, run, perform).execute()
    if errors:
        ctx.exit(1)


# -- what to copy -----------------------------------------------------------------------


def _source(workdir, ws_id, group) -> Path:
    if workdir or ws_id:
        return _workspace_path(workdir, ws_id)
    if group.get("group_workdir") or group.get("group_workspace"):
        return _workspace_path(group.get("group_workdir"), group.get("group_workspace"))
    return _choose_workspace("Source workspace", None)


def _destination(workdir, ws_id, source: Path) -> Path:
    dest = _workspace_path(workdir, ws_id) if workdir or ws_id else _choose_workspace(
        "Destination workspace", source)
    if dest.resolve() == source.resolve():
        raise click.UsageError(f"the source and the destination are the same workspace"
                               f" ({source})")
    return dest


def _workspace_path(workdir, ws_id) -> Path:
    from .workspaces import resolve_workspace

    return Path(resolve_workspace(workdir, ws_id).path).expanduser().absolute()


def _choose_workspace(title: str, other_than: Optional[Path]) -> Path:
    from experimaestro.settings import get_settings

    candidates = [ws for ws in get_settings().workspaces
                  if other_than is None or Path(ws.path).expanduser().resolve()
                  != other_than.resolve()]
    if not candidates:
        which = "--from-workdir or --from-workspace" if other_than is None else \
            "--to-workdir or --to-workspace"
        raise click.UsageError(f"{title.lower()}: give {which} (no workspace of the"
                               " settings file to choose from)")
    chosen = _choose(title, [f"{ws.id}  {ws.path}" for ws in candidates])
    return Path(candidates[chosen].path).expanduser().absolute()


def _choose_experiment(index: WorkspaceIndex) -> str:
    names = index.experiments()
    if not names:
        raise click.ClickException(f"no experiment in {index.path}")
    return names[_choose("Experiment", names)]


def _run_folder(index: WorkspaceIndex, name: str, run_id: Optional[str]) -> Path:
    if name not in index.experiments():
        raise click.UsageError(f"no experiment {name!r} in {index.path}; known:"
                               f" {', '.join(index.experiments()) or '(none)'}")
    runs, current = index.runs(name), index.current_run(name)
    if run_id == "current":
        if current is None:
            raise click.ClickException(f"experiment {name} has no run in {index.path}")
        return current
    if run_id is not None:
        for run in runs:
            if run.name == run_id:
                return run
        raise click.UsageError(f"experiment {name} has no run {run_id!r}; its runs:"
                               f" {', '.join(r.name for r in runs) or '(none)'}")
    if not runs:
        raise click.ClickException(f"experiment {name} has no run in {index.path}")
    if len(runs) == 1:
        click.echo(f"The only run of {name}: {runs[0].name}")
        return runs[0]
    labels = [f"{r.name}{' (current)' if r.resolve() == current else ''}" for r in runs]
    return runs[_choose("Run", labels)]


def _choose(title: str, labels: List[str]) -> int:
    """Ask for one of ``labels`` by its number (as 2.x does); its index."""
    click.echo(f"{title}:")
    for i, label in enumerate(labels, 1):
        click.echo(f"  {i}) {label}")
    return click.prompt("Select", type=click.IntRange(1, len(labels))) - 1


def _check_destination(dest: Path):
    if not dest.exists() or WorkspaceIndex(dest).is_workspace():
        return
    if any(dest.iterdir()):
        raise click.ClickException(
            f"{dest} is not an experimaestro workspace (no jobs/ folder, no"
            " .__experimaestro__): give a workspace, or a new or empty folder")
