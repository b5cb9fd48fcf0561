"""``experimaestro jobs recover JOB``: copy a job folder missing from the workspace back
from another folder that holds ``jobs/TYPE/ID`` — the folders given with ``--from``, or
else those listed under the workspace's ``folders`` in the settings file (2.x's backup,
move and use folders, which 2.x's command reads).

The copy is made aside, then renamed into place, without the process record and the
lock file of the job; a job folder already in the workspace is never replaced.
"""

from pathlib import Path
from typing import List, Tuple

import click

from .common import open_workspace, workspace_options
from .jobcopy import CopyError, Staging, copy_job_folder
from experimaestro.index.workspace import JobLookupError, NoSuchJob, WorkspaceIndex

__all__ = ["recover", "configured_folders"]


@click.command("recover")
@workspace_options
@click.argument("job_ref", metavar="JOB")
@click.option("--from", "sources", multiple=True, metavar="FOLDER",
              type=click.Path(file_okay=False, exists=True),
              help="A folder holding jobs/TYPE/ID (a workspace, a backup); repeatable."
                   " Default: the `folders` of the workspace in the settings file")
@click.pass_context
def recover(ctx, workdir, workspace, job_ref, sources):
    """Copy JOB back into the workspace from the first folder that holds it.

    JOB is TYPE/ID as 2.x writes it, or any JOB of `experimaestro jobs` (an identifier
    prefix, optionally after the type or its last part), looked up in the folders.
    """
    index = open_workspace(ctx, workdir, workspace)
    here = _in_workspace(index, job_ref)
    if here is not None:
        _already_there(index, here)
        return
    folders = [Path(s).absolute() for s in sources] or configured_folders(index.settings)
    if not folders:
        raise click.UsageError(
            "no folder to recover from: give --from FOLDER, or list the folders of the"
            " workspace in the settings file (folders: [{path: FOLDER, mode: backup}])")
    folder, job = _find(folders, job_ref)
    rel = f"jobs/{job.type_id}/{job.identifier}"
    dest = index.path / rel
    if dest.exists():  # (a link to a job folder elsewhere: 2.x's `move` folders)
        click.echo(f"{job.locator} is already in {index.path} (a link to"
                   f" {dest.resolve()}): nothing to recover")
        return
    if dest.is_symlink():  # (a link to a folder that is gone: 2.x's `move` folders)
        click.echo(f"Replacing {dest}, a link to a missing folder", err=True)
        dest.unlink()
    if job.state in ("running", "queued") or job.locked():
        raise click.ClickException(f"{job.locator} runs in {folder} ({job.state_text}):"
                                   " recover it once it has ended")
    with Staging(index.path) as staging:
        try:
            copy_job_folder(job.path, staging.path / rel, folder, index.path)
            placed = staging.place(staging.path / rel, dest)
        except CopyError as exc:
            raise click.ClickException(str(exc)) from None
    if not placed:
        raise click.ClickException(f"{dest} was made meanwhile by another process: kept")
    click.echo(f"Recovered {job.locator} ({job.state_text}) from {folder} into {dest}")


def configured_folders(ws) -> List[Path]:
    """The paths of the ``folders`` of a workspace of the settings file (every mode is a
    place to recover from, as in 2.x)."""
    if ws is None:
        return []
    folders = getattr(ws, "folders", None)
    if folders is None:
        # Settings that keep the keys they do not model aside (`extra`)
        folders = (getattr(ws, "extra", None) or {}).get("folders") or []
    paths = []
    for i, folder in enumerate(folders):
        path = folder.get("path") if isinstance(folder, dict) else getattr(folder, "path", None)
        if not path:
            raise click.ClickException(f"workspace {ws.id}: folders[{i}] has no path (in the"
                                       " settings file)")
        paths.append(Path(path).expanduser().absolute())
    return paths


def _find(folders: List[Path], ref: str) -> Tuple[Path, object]:
    """The first folder holding the job named ``ref``, and the job there."""
    for folder in folders:
        if not (folder / "jobs").is_dir():
            click.echo(f"warning: {folder} holds no jobs/ folder", err=True)
            continue
        try:
            return folder, WorkspaceIndex(folder).find(ref)
        except NoSuchJob:
            continue
        except JobLookupError as exc:  # several match
            raise click.ClickException(str(exc)) from None
    searched = ", ".join(map(str, folders))
    raise click.ClickException(f"no folder holds the job {ref!r} (searched: {searched})")


def _in_workspace(index: WorkspaceIndex, ref: str):
    """The job of the workspace that ``ref`` names, None when there is none."""
    try:
        return index.find(ref)
    except NoSuchJob:
        return None
    except JobLookupError as exc:  # several match
        raise click.ClickException(str(exc)) from None


def _already_there(index: WorkspaceIndex, job):
    if job.state != "done":
        raise click.ClickException(
            f"{job.locator} is already in {index.path} ({job.state_text}): not replaced;"
            f" remove {job.path} first (e.g. `experimaestro jobs clean`) to recover a copy")
    click.echo(f"{job.locator} is already in {index.path} (done): nothing to recover")
