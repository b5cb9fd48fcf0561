"""Copying a run of an experiment to another workspace (``experiments copy``): the job
folders it references first — those already in the destination are kept —, then the run
folder (its links to the jobs made anew, relative: 2.x's are absolute paths into the
source), then ``current`` is set to the copied run unless the destination has a later
run of the experiment."""

import os
import shutil
from pathlib import Path
from typing import List, Optional

import click

from .jobcopy import CopyError, Staging, copy_job_folder
from experimaestro.index.workspace import WorkspaceIndex, run_key

__all__ = ["RunCopy"]


class RunCopy:
    """Copying (or saying what would be copied) one run and its jobs."""

    def __init__(self, index: WorkspaceIndex, dest: Path, name: str, run: Path,
                 perform: bool):
        self.index, self.dest, self.name, self.run = index, dest, name, run
        self.perform = perform
        self.copied = self.skipped = self.errors = 0
        self.present: List[tuple] = []  # (type id, identifier) in the destination

    def execute(self) -> int:
        """Do it; the number of errors."""
        if self.perform:
            from experimaestro.scheduler.workspace import Workspace

            Workspace(self.dest).prepare()
            with Staging(self.dest) as staging:
                self._jobs(staging)
                self._run_folder(staging)
        else:
            self._jobs(None)
            self._run_folder(None)
        self._current()
        self._summary()
        return self.errors

    def _jobs(self, staging: Optional[Staging]):
        for type_id, identifier in self.index.run_jobs(self.run):
            rel = f"jobs/{type_id}/{identifier}"
            if (self.dest / rel).exists():
                click.echo(f"Skip {rel}: already in the destination")
                self.skipped += 1
                self.present.append((type_id, identifier))
                continue
            job = self.index.job(type_id, identifier)
            if job is None:
                click.echo(f"error: {rel}: no such job folder in {self.index.path}", err=True)
                self.errors += 1
                continue
            self._job(staging, job, rel)

    def _job(self, staging: Optional[Staging], job, rel: str):
        note = ""
        if job.state in ("running", "queued"):
            note = f" ({job.state} in the source: copied as it is now, not finished there)"
        if staging is None:
            click.echo(f"Would copy {rel} ({job.state_text}){note}")
            self.copied += 1
            self.present.append((job.type_id, job.identifier))
            return
        staged = staging.path / rel
        try:
            copy_job_folder(job.path, staged, self.index.path, self.dest)
            placed = staging.place(staged, self.dest / rel)
        except CopyError as exc:
            click.echo(f"error: {exc}", err=True)
            self.errors += 1
            return
        if placed:
            click.echo(f"Copied {rel} ({job.state_text}){note}")
            self.copied += 1
        else:
            click.echo(f"Skip {rel}: made in the destination meanwhile")
            self.skipped += 1
        self.present.append((job.type_id, job.identifier))

    def _run_folder(self, staging: Optional[Staging]):
        rel = f"experiments/{self.name}/{self.run.name}"
        final = self.dest / rel
        if final.exists():
            click.echo(f"Keep {rel}: already in the destination")
            return
        if staging is None:
            click.echo(f"Would copy {rel} (the run folder)")
            return
        staged = staging.path / rel
        try:
            # The links to the jobs are made anew (2.x's point into the source)
            _copy_run_folder(self.run, staged)
            _link_jobs(staged, self.present)
            placed = staging.place(staged, final)
        except (CopyError, OSError, shutil.Error) as exc:
            click.echo(f"error: cannot copy the run folder {self.run}: {exc}", err=True)
            self.errors += 1
            return
        click.echo(f"Copied {rel} (the run folder)" if placed
                   else f"Keep {rel}: made in the destination meanwhile")

    def _current(self):
        xpdir = self.dest / "experiments" / self.name
        link = xpdir / "current"
        # The run the link names (not the latest run, which is the copied one now)
        current = Path(os.readlink(link)).name if link.is_symlink() else None
        if current == self.run.name:
            return
        if current is not None and run_key(current) > run_key(self.run.name):
            click.echo(f"experiments/{self.name}/current stays {current} (a later run)")
        elif not self.perform:
            click.echo(f"Would set experiments/{self.name}/current to {self.run.name}")
        elif (xpdir / self.run.name).is_dir():
            tmp = xpdir / f".current.{os.getpid()}"
            tmp.unlink(missing_ok=True)
            os.symlink(self.run.name, tmp)
            os.replace(tmp, link)
            click.echo(f"experiments/{self.name}/current is now {self.run.name}")

    def _summary(self):
        verb = "copied" if self.perform else "to copy"
        click.echo(f"Jobs {verb}: {self.copied}\nJobs skipped: {self.skipped}"
                   f" (already in the destination)")
        if self.errors:
            click.echo(f"Errors: {self.errors}", err=True)
        if not self.perform:
            click.echo("(nothing done: add --perform, or --yes, to copy)")


def _copy_run_folder(run: Path, staged: Path):
    """The run folder but its links to the jobs (``jobs/``)."""
    shutil.copytree(run, staged, symlinks=True,
                    ignore=lambda d, names: ["jobs"] if Path(d) == run else [])


def _link_jobs(run: Path, jobs):
    """``jobs/TYPE/ID`` in the run folder, relative links to the workspace's job folders
    (as the scheduler makes them)."""
    for type_id, identifier in jobs:
        folder = run / "jobs" / type_id
        folder.mkdir(parents=True, exist_ok=True)
        os.symlink(f"../../../../../jobs/{type_id}/{identifier}", folder / identifier)
