"""What a workspace holds, for the commands: its jobs (through the workspace index, their
states settled with their launchers), the experiment runs that reference them, and their
tags; finding a job from a JOB argument."""

import os
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from experimaestro.xplock import lock_held

from .jobindex import JobIndex, run_key
from .jobrow import JobRow, read_details, read_job
from .live import settle_states

__all__ = ["JobInfo", "WorkspaceIndex", "JobLookupError", "NoSuchJob", "human_size",
           "folder_size", "run_key", "read_job_now"]

#: a job as the commands show it (its row in the index, its state settled)
JobInfo = JobRow


class JobLookupError(Exception):
    """A JOB argument matches no job, or several."""


class NoSuchJob(JobLookupError):
    """A JOB argument matches no job."""


class WorkspaceIndex:
    """The jobs and experiment runs of a workspace folder."""

    def __init__(self, path: Path, settings=None):
        self.path = Path(path).expanduser().absolute()
        #: the WorkspaceSettings it was found with (None: a folder given as is)
        self.settings = settings
        self._index: Optional[JobIndex] = None
        self._jobs: Optional[Dict[Tuple[str, str], JobInfo]] = None
        self._current: Optional[Dict[str, Set[Tuple[str, str]]]] = None

    @property
    def jobspath(self) -> Path:
        return self.path / "jobs"

    @property
    def experimentspath(self) -> Path:
        return self.path / "experiments"

    def is_workspace(self) -> bool:
        return self.jobspath.is_dir() or (self.path / ".__experimaestro__").exists()

    # -- experiments ----------------------------------------------------------------

    def experiments(self) -> List[str]:
        try:
            return sorted(p.name for p in self.experimentspath.iterdir() if p.is_dir())
        except OSError:
            return []

    def runs(self, xp: str) -> List[Path]:
        """Run folders of an experiment, oldest first."""
        folder = self.experimentspath / xp
        try:
            return sorted((p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()),
                          key=lambda p: run_key(p.name))
        except OSError:
            return []

    def current_run(self, xp: str) -> Optional[Path]:
        current = self.experimentspath / xp / "current"
        if current.is_symlink() or current.is_dir():
            target = current.resolve()
            if target.is_dir():
                return target
        runs = self.runs(xp)
        return runs[-1] if runs else None

    def running_experiments(self) -> List[str]:
        """Experiments whose lock is held (an experiment process runs, ours or 2.x's)."""
        return [xp for xp in self.experiments()
                if lock_held(self.experimentspath / xp / "lock")]

    def run_jobs(self, run: Path) -> List[Tuple[str, str]]:
        """(type id, identifier) of the jobs a run folder references."""
        run = run.absolute()
        return self.index.run_jobs(run.parent.name, run.name)

    def _current_keys(self) -> Dict[str, Set[Tuple[str, str]]]:
        if self._current is None:
            self._current = {}
            for xp in self.experiments():
                run = self.current_run(xp)
                if run is not None:
                    self._current[xp] = set(self.index.run_jobs(xp, run.name))
        return self._current

    def current_jobs(self, xp: str) -> Set[Tuple[str, str]]:
        return self._current_keys().get(xp, set())

    def referenced(self, job: JobInfo) -> bool:
        return bool(job.experiments)

    def in_a_current_run(self, job: JobInfo) -> bool:
        """True when the current run of some experiment references the job."""
        key = (job.type_id, job.identifier)
        return any(key in keys for keys in self._current_keys().values())

    # -- jobs -------------------------------------------------------------------------

    @property
    def index(self) -> JobIndex:
        """The workspace's index, opened on first use."""
        if self._index is None:
            self._index = JobIndex(self.path)
        return self._index

    def jobs(self, prefilter=()) -> List[JobInfo]:
        """The jobs of the workspace; with a ``prefilter`` (SQL conditions, see
        JobIndex.rows), at least those that meet it."""
        if self._jobs is not None or not prefilter:
            if self._jobs is None:
                rows = self.index.rows()
                settle_states(rows.values())
                self._jobs = rows
            return list(self._jobs.values())
        rows = self.index.rows(prefilter)
        settle_states(rows.values())
        return list(rows.values())

    def job(self, type_id: str, identifier: str) -> Optional[JobInfo]:
        """The job of that folder, None when there is no such folder."""
        self.jobs()
        return self._jobs.get((type_id, identifier))

    def find(self, ref: str) -> JobInfo:
        """The job named by ``ref``: an identifier prefix, or ``type/prefix``."""
        ref = ref.strip().rstrip("/")
        type_part, _, hex_part = ref.rpartition("/")
        hex_part = hex_part.lower()
        if not hex_part or any(c not in "0123456789abcdef" for c in hex_part):
            raise JobLookupError(f"{ref!r}: expected a job identifier prefix (hex digits),"
                                 " optionally after its type: TYPE/HEX")
        type_part = type_part.lower()
        matches = [
            job for job in self.jobs()
            if job.identifier.startswith(hex_part)
            and (not type_part or job.type_id == type_part or job.name == type_part
                 or job.type_id.endswith("." + type_part))
        ]
        if not matches:
            raise NoSuchJob(f"no job matches {ref!r} in {self.path}")
        if len(matches) > 1:
            matches.sort(key=lambda j: j.locator)
            listed = "\n".join(f"  {j.locator} ({j.state_text})" for j in matches[:20])
            more = f"\n  ... and {len(matches) - 20} more" if len(matches) > 20 else ""
            raise JobLookupError(f"{ref!r} matches {len(matches)} jobs; give more digits:\n"
                                 f"{listed}{more}")
        # A command acting on one job reads its folder now (the index trusts the state
        # of ended jobs, which a hand-edited marker may have changed)
        found = read_job_now(self.path, matches[0].type_id, matches[0].identifier)
        found.tags, found.experiments = matches[0].tags, matches[0].experiments
        return found


def read_job_now(workspace: Path, type_id: str, identifier: str) -> JobInfo:
    """A job read from its folder now (not through the index), its state settled; its
    task, parameters and metrics are read if asked for (`jobs log -f` reads the state
    four times a second)."""
    row = read_job(workspace, type_id, identifier,
                   details=lambda job: read_details(str(job.path)))
    settle_states([row])
    return row


def folder_size(path: Path) -> int:
    total = 0
    for root, dirs, files in os.walk(path):
        for name in files + dirs:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def human_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"
