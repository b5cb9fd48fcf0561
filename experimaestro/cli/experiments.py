"""``experimaestro run-experiment`` (the command lives in experimaestro.experiments.cli:
other programs add it to their own click group), and ``experimaestro experiments``: the
runs of the experiments of a workspace (``list``), copying a run to another workspace
(``copy``, in xpcopy.py)."""

import json

import click

from .common import (group_workspace_options, open_workspace, remember_workspace, table,
                     workspace_options)
from .monitorcmd import monitor
from .xpcopy import copy_run

__all__ = ["register"]


def register(cli: click.Group):
    from experimaestro.experiments.cli import experiments_cli

    cli.add_command(experiments_cli, "run-experiment")
    experiments.add_command(copy_run)
    experiments.add_command(monitor)
    cli.add_command(experiments)


@click.group()
@group_workspace_options
@click.pass_context
def experiments(ctx, workdir, workspace):
    """The experiments of a workspace: their runs (list), copying a run (copy), watching
    them (monitor).

    Each run of an experiment has its folder, experiments/NAME/RUN (RUN is the time it
    started); experiments/NAME/current names the latest run.
    """
    remember_workspace(ctx, workdir, workspace)


@experiments.command("list")
@workspace_options
@click.argument("names", nargs=-1, metavar="[EXPERIMENT]...")
@click.option("--runs", "all_runs", is_flag=True,
              help="Every run of each experiment (default: its current run)")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one list of objects)")
@click.pass_context
def list_experiments(ctx, workdir, workspace, names, all_runs, as_json):
    """List the experiments (or these EXPERIMENTs): for their current run (or each run,
    with --runs) the machine, the start, how it ended, and the state of its jobs now.

    STATUS is running (its process holds the experiment's lock), done, failed,
    interrupted (Ctrl-C), or unfinished (the process is gone without recording an end).
    """
    from experimaestro.index.runinfo import read_run

    index = open_workspace(ctx, workdir, workspace)
    known = index.experiments()
    for name in names:
        if name not in known:
            raise click.UsageError(f"no experiment {name!r} in {index.path}; known:"
                                   f" {', '.join(known) or '(none)'}")
    running = set(index.running_experiments())
    runs = []
    for name in names or known:
        current = index.current_run(name)
        for path in index.runs(name) if all_runs else [current] if current else []:
            runs.append(read_run(index, name, path, path.resolve() == current,
                                 name in running))
    for run in runs:
        for problem in run.problems:
            click.echo(f"warning: {problem}", err=True)
    if as_json:
        click.echo(json.dumps([run.to_json() for run in runs], indent=1))
    elif not runs:
        click.echo(f"No experiment run in {index.path}", err=True)
    else:
        click.echo(_runs_table(runs, all_runs))


def _runs_table(runs, all_runs: bool) -> str:
    headers = ["EXPERIMENT", "RUN", "HOST", "STARTED", "STATUS", "JOBS"]
    rows = []
    for run in runs:
        run_id = f"{run.run_id}{' *' if all_runs and run.current else ''}"
        rows.append([run.experiment, run_id, run.host or "-", _when(run.started),
                     run.status or "-", run.jobs_text()])
    text = table(rows, headers)
    return text + ("\n(* the current run)" if all_runs else "")


def _when(iso) -> str:
    """``2026-12-07T15:52:47.909396`` as ``2026-12-07 15:52:47``."""
    return iso.replace("T", " ").split(".")[0] if iso else "-"
