"""``experimaestro jobs stray``: jobs that no experiment needs any more.

- a **stray** job runs (or waits in a queue) while no current run of an experiment uses
  it: an earlier run submitted it, and the experiment changed since (or it was never
  part of an experiment);
- an **orphan** job does not run and no run of any experiment references it.

``--kill`` stops the stray jobs, ``--delete`` removes the orphan folders; both only say
what they would do unless given ``--perform``. While an experiment runs, what it uses is
not known yet: the command warns, and refuses to ``--perform`` without ``--force``.
"""

import json
import shutil
import sys
from typing import List, Tuple

import click

from .common import open_workspace, table, workspace_options
from experimaestro.index.workspace import folder_size, human_size
from experimaestro.index.jobkill import kill_job

__all__ = ["stray", "stray_and_orphans"]


def stray_and_orphans(index) -> Tuple[List, List]:
    """(stray jobs, orphan jobs) of a WorkspaceIndex, by type id and identifier."""
    strays, orphans = [], []
    for job in sorted(index.jobs(), key=lambda j: j.locator):
        if job.state in ("running", "queued"):
            if not index.in_a_current_run(job):
                strays.append(job)
        elif not index.referenced(job):
            orphans.append(job)
    return strays, orphans


@click.command("stray")
@workspace_options
@click.option("--kill", is_flag=True, help="Kill the stray jobs (with --perform)")
@click.option("--delete", is_flag=True, help="Remove the orphan job folders (with --perform)")
@click.option("--perform", is_flag=True,
              help="Really kill or remove (otherwise, say what would be done)")
@click.option("--force", is_flag=True,
              help="Go on with --perform although an experiment runs")
@click.option("--size", is_flag=True, help="Show the size of each job folder")
@click.option("--fullpath", is_flag=True, help="Show the job folders")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one list of objects)")
@click.pass_context
def stray(ctx, workdir, workspace, kill, delete, perform, force, size, fullpath, as_json):
    """List stray jobs (running or queued, used by no current run of an experiment) and
    orphan jobs (not running, referenced by no run): --kill stops the stray jobs,
    --delete removes the orphan folders."""
    index = open_workspace(ctx, workdir, workspace)
    running = index.running_experiments()
    if running:
        click.echo(f"warning: experiment(s) {', '.join(running)} running: the jobs they are"
                   " about to use may be listed here", err=True)
        if perform and not force:
            raise click.ClickException("nothing done while an experiment runs (add --force"
                                       " to kill or remove anyway)")
    strays, orphans = stray_and_orphans(index)
    rows = [(job, "stray") for job in strays] + [(job, "orphan") for job in orphans]
    sizes = {job.locator: folder_size(job.path) for job, _ in rows} if size else {}
    if as_json:
        click.echo(json.dumps([_json(job, kind, sizes) for job, kind in rows], indent=1))
    elif not rows:
        click.echo("No stray or orphan job")
    else:
        click.echo(f"{len(strays)} stray (running or queued) and {len(orphans)} orphan job(s)")
        click.echo(_table(rows, sizes, fullpath))
    errors = _kill(strays, perform) if kill else 0
    errors += _delete(orphans, perform) if delete else 0
    if not perform and ((kill and strays) or (delete and orphans)):
        click.echo("(nothing done: add --perform to do it)")
    if errors:
        ctx.exit(1)


def _json(job, kind: str, sizes: dict) -> dict:
    record = {"kind": kind, **job.to_json()}
    if sizes:
        record["size"] = sizes[job.locator]
    return record


def _table(rows, sizes: dict, fullpath: bool) -> str:
    headers = ["KIND", "JOB", "STATE"] + (["SIZE"] if sizes else []) + ["EXPERIMENTS"]
    # As `jobs list`: identifiers cut on a terminal, whole for scripts
    full = not sys.stdout.isatty()
    lines = []
    for job, kind in rows:
        name = str(job.path) if fullpath else job.locator if full else job.short
        size = [human_size(sizes[job.locator])] if sizes else []
        # The experiments whose earlier runs used it
        lines.append([kind, name, job.state_text, *size, ", ".join(sorted(job.experiments))])
    return table(lines, headers)


def _kill(strays, perform: bool) -> int:
    errors = 0
    for job in strays:
        outcome = kill_job(job, perform)
        click.echo(outcome.message, err=outcome.status == "error")
        errors += outcome.status == "error"
    return errors


def _delete(orphans, perform: bool) -> int:
    errors = 0
    for job in orphans:
        if job.locked():
            # A process is about to run it (it holds the job lock)
            click.echo(f"{job.short}: kept (a process holds its lock)", err=True)
        elif not perform:
            click.echo(f"Would remove {job.path}")
        else:
            try:
                shutil.rmtree(job.path)
            except OSError as exc:
                click.echo(f"{job.short}: cannot remove {job.path}: {exc}", err=True)
                errors += 1
                continue
            click.echo(f"Removed {job.path}")
    return errors
