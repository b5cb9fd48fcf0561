"""``experimaestro jobs``: list, inspect, kill and clean the jobs of a workspace.

Destructive commands (kill, clean) only say what they would do unless given --perform.
"""

import json
import sys
import time

import click

from experimaestro.jobfolder import FailureReason

from .common import (find_job, group_workspace_options, open_workspace, remember_workspace,
                     table, time_text, workspace_options)
from experimaestro.index.jobkill import kill_job
from .jobrecover import recover
from .jobstray import stray
from .jobselect import Selection, filter_options

__all__ = ["register"]


def register(cli: click.Group):
    jobs.add_command(stray)
    jobs.add_command(recover)
    cli.add_command(jobs)


def _tags_text(tags: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(tags.items()))


# -- commands -------------------------------------------------------------------------


@click.group()
@group_workspace_options
@click.pass_context
def jobs(ctx, workdir, workspace):
    """The jobs of a workspace: list, log, path, kill, clean, stray, recover.

    JOB is an identifier prefix (hex digits) or TYPE/PREFIX, where TYPE is the type id or its
    last part. An ambiguous JOB is an error that lists the matching jobs.
    """
    remember_workspace(ctx, workdir, workspace)


@jobs.command("list")
@workspace_options
@filter_options
@click.option("--count", "-c", "-n", type=click.IntRange(min=0), default=0, metavar="N",
              help="Only the N most recent jobs (0, the default: all)")
@click.option("--tags/--no-tags", "show_tags", default=True, show_default=True,
              help="Show the tags of the jobs (the TAGS column)")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one list of objects)")
@click.option("--fullpath", is_flag=True, help="Show the job folders")
@click.pass_context
def list_jobs(ctx, workdir, workspace, experiments, states, types, tags, filter_text, count,
              show_tags, as_json, fullpath):
    """List jobs, oldest first (by submission time).

    Jobs are named TYPE/IDENTIFIER, the identifier cut to 12 digits on a terminal and
    whole otherwise (for scripts)."""
    index = open_workspace(ctx, workdir, workspace)
    selection = Selection(index, experiments, states, types, tags, filter_text)
    found = sorted(selection.jobs(), key=lambda j: (j.submitted or 0, j.locator))
    if count:
        found = found[-count:]
    if as_json:
        click.echo(json.dumps([j.to_json() for j in found], indent=1, default=str))
        return
    if not found:
        click.echo("No job", err=True)
        return
    full = not sys.stdout.isatty()
    headers = ["JOB", "STATE", "SUBMITTED"] + (["TAGS"] if show_tags else [])
    rows = []
    for j in found:
        name = str(j.path) if fullpath else j.locator if full else j.short
        rows.append([name, j.state_text, time_text(j.submitted)]
                    + ([_tags_text(j.tags)] if show_tags else []))
    click.echo(table(rows, headers))


@jobs.command("path")
@workspace_options
@click.argument("job", metavar="JOB")
@click.pass_context
def job_path(ctx, workdir, workspace, job):
    """Print the folder of JOB."""
    index = open_workspace(ctx, workdir, workspace)
    click.echo(str(find_job(index, job).path))


@jobs.command("log")
@workspace_options
@click.argument("job", metavar="JOB")
@click.option("--stdout", "--std", "use_stdout", is_flag=True,
              help="Show the standard output (default: the standard error; --std is"
                   " experimaestro 2.x's name)")
@click.option("-f", "--follow", is_flag=True, help="Keep printing what the job writes, until"
                                                    " it ends")
@click.pass_context
def job_log(ctx, workdir, workspace, job, use_stdout, follow):
    """Print the log of JOB (its standard error, or --stdout)."""
    from experimaestro.index.workspace import read_job_now

    index = open_workspace(ctx, workdir, workspace)
    info = find_job(index, job)
    path = info.stdout if use_stdout else info.stderr
    if not path.exists() and not follow:
        if info.state == "failed" and info.reason in (FailureReason.DEPENDENCY.value,
                                                      FailureReason.CANCELLED.value):
            raise click.ClickException(
                f"{info.short}: no log, the job did not run ({info.state_text}:"
                f" {info.message})")
        raise click.ClickException(f"{path}: no log yet (the job is {info.state_text})")
    out = sys.stdout.buffer
    position = 0
    try:
        while True:
            try:
                with open(path, "rb") as f:
                    f.seek(position)
                    chunk = f.read()
            except FileNotFoundError:
                chunk = b""
            if chunk:
                out.write(chunk)
                out.flush()
                position += len(chunk)
            if not follow:
                break
            current = read_job_now(index.path, info.type_id, info.identifier)
            if current.state not in ("running", "queued", "pending") and not chunk:
                break
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass


@jobs.command("kill")
@workspace_options
@filter_options
@click.argument("job_refs", nargs=-1, metavar="[JOB]...")
@click.option("--perform", is_flag=True, help="Really kill (otherwise, say what would be done)")
@click.pass_context
def kill_jobs(ctx, workdir, workspace, experiments, states, types, tags, filter_text, job_refs,
              perform):
    """Stop running jobs: JOBs, or the running jobs matching the filters.

    A local job gets SIGTERM (its whole process group); a Slurm job is cancelled with
    scancel. The job then ends as failed (cancelled).
    """
    index = open_workspace(ctx, workdir, workspace)
    selection = Selection(index, experiments, states, types, tags, filter_text)
    if not job_refs and selection.empty:
        raise click.UsageError("give the JOBs to kill, or filters (e.g. --experiment NAME)")
    if job_refs:
        targets = [find_job(index, ref) for ref in job_refs]
        targets = [j for j in targets if selection.matches(j)]
    else:
        targets = [j for j in selection.jobs() if j.state in ("running", "queued")]
        if not targets:
            click.echo("No running job matches", err=True)
    errors = would = 0
    for job in targets:
        outcome = kill_job(job, perform)
        click.echo(outcome.message, err=outcome.status == "error")
        errors += outcome.status == "error"
        would += outcome.status == "would"
    if would:
        click.echo("(nothing done: add --perform to kill)")
    if errors:
        ctx.exit(1)


@jobs.command("clean")
@workspace_options
@filter_options
@click.option("--perform", is_flag=True,
              help="Really remove the folders (otherwise, say what would be removed)")
@click.option("--orphans/--no-orphans", default=True, show_default=True,
              help="Also remove jobs that no experiment run references")
@click.pass_context
def clean_jobs(ctx, workdir, workspace, experiments, states, types, tags, filter_text, perform,
               orphans):
    """Remove the folders of failed jobs, and of orphaned jobs (referenced by no experiment
    run). Running jobs, and jobs locked by a process, are kept; orphans are kept while an
    experiment runs (it may be about to reference them)."""
    import shutil

    from experimaestro.index.workspace import folder_size, human_size

    index = open_workspace(ctx, workdir, workspace)
    selection = Selection(index, experiments, states, types, tags, filter_text)
    running_xps = index.running_experiments() if orphans else []
    if running_xps:
        click.echo(f"Experiment(s) {', '.join(running_xps)} running: orphaned jobs are kept",
                   err=True)
    candidates = []
    for job in sorted(selection.jobs(), key=lambda j: j.locator):
        if job.state in ("running", "queued"):
            continue
        if job.state == "failed":
            why = f"failed ({job.reason})" if job.reason and job.reason != "failed" else "failed"
        elif orphans and not running_xps and not index.referenced(job):
            why = "orphaned"
        else:
            continue
        if job.locked():
            click.echo(f"{job.short}: kept (a process holds its lock)", err=True)
            continue
        candidates.append((job, why, folder_size(job.path)))
    if not candidates:
        click.echo("Nothing to clean")
        return
    total = 0
    for job, why, size in candidates:
        total += size
        verb = "Removing" if perform else "Would remove"
        click.echo(f"{verb} {job.path} [{why}, {human_size(size)}]")
        if perform:
            shutil.rmtree(job.path, ignore_errors=True)
    summary = f"{len(candidates)} job folder(s), {human_size(total)}"
    if perform:
        click.echo(f"Removed {summary}")
    else:
        click.echo(f"Would remove {summary} (nothing done: add --perform to remove them)")
