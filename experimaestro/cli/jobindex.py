"""What a workspace holds: its jobs (state from the marker files), the experiment runs that
reference them, and their tags (from the runs' jobs.jsonl). Read-only, and cheap: a few
stat calls per job."""

import json
import os
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

from experimaestro.jobfolder import LOST_MESSAGE, FailureReason, JobFolder, marker_name
from experimaestro.launchers.handles import handle_for, queued_handles

from experimaestro.scheduler.xplock import lock_held

__all__ = ["JobInfo", "WorkspaceIndex", "JobLookupError", "NoSuchJob", "human_size",
           "folder_size", "run_key"]


class JobLookupError(Exception):
    """A JOB argument matches no job, or several."""


class NoSuchJob(JobLookupError):
    """A JOB argument matches no job."""


class JobInfo:
    def __init__(self, workspace: Path, type_id: str, identifier: str):
        self.type_id = type_id
        self.identifier = identifier
        self.path = workspace / "jobs" / type_id / identifier
        self.name = marker_name(type_id)
        self.folder = JobFolder(self.path, self.name)
        disk = self.folder.state()
        self.state = disk.state
        self.reason = disk.reason
        self.message = disk.message
        self.pid = disk.pid
        if self.state == "running" and not _pid_may_live(self.pid):
            # The process ended without writing a marker (killed, or its machine died)
            self.state, self.reason = "failed", FailureReason.LOST.value
            self.message = LOST_MESSAGE
        elif self.state == "none":
            self.state = "pending"
        try:
            self.submitted: Optional[float] = (self.path / "params.json").stat().st_mtime
        except OSError:
            try:
                self.submitted = self.path.stat().st_mtime
            except OSError:
                self.submitted = None
        self.tags: dict = {}
        self.experiments: Set[str] = set()

    @property
    def locator(self) -> str:
        return f"{self.type_id}/{self.identifier}"

    @property
    def short(self) -> str:
        return f"{self.type_id}/{self.identifier[:12]}"

    @property
    def stdout(self) -> Path:
        return self.folder.stdout

    @property
    def stderr(self) -> Path:
        return self.folder.stderr

    @property
    def lockpath(self) -> Path:
        return self.folder.lock_file

    @property
    def state_text(self) -> str:
        if self.state == "failed" and self.reason and self.reason != "failed":
            return f"failed ({self.reason})"
        return self.state

    def locked(self) -> bool:
        """True when a process holds the job lock (it runs, or waits to run, the job)."""
        return not self.folder.lock_free()

    def to_json(self) -> dict:
        return {
            "id": self.identifier,
            "type": self.type_id,
            "locator": self.locator,
            "path": str(self.path),
            "state": self.state,
            "reason": self.reason,
            "message": self.message,
            "pid": self.pid,
            "submitted": self.submitted,
            "tags": self.tags,
            "experiments": sorted(self.experiments),
            "stdout": str(self.stdout),
            "stderr": str(self.stderr),
        }


def _pid_may_live(record) -> bool:
    if not isinstance(record, dict):
        return True  # unreadable (being written): assume it runs
    handle = handle_for(record)
    return handle is None or handle.alive()  # (a record of an unknown type: may run)


class WorkspaceIndex:
    """The jobs and experiment runs of a workspace folder."""

    def __init__(self, path: Path, settings=None):
        self.path = Path(path).expanduser().absolute()
        #: the WorkspaceSettings it was found with (None: a folder given as is)
        self.settings = settings
        self._jobs: Optional[Dict[Tuple[str, str], JobInfo]] = None
        self._refs: Optional[Dict[Tuple[str, str], Set[str]]] = None
        self._current: Dict[str, Set[Tuple[str, str]]] = {}

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
        return [(type_id, identifier) for type_id, identifier, _ in self._run_records(run)]

    def _run_records(self, run: Path) -> Iterator[Tuple[str, str, dict]]:
        """(type id, identifier, tags) of the jobs of a run (jobs.jsonl, then links)."""
        seen = set()
        try:
            with open(run / "jobs.jsonl") as f:
                for line in f:
                    try:
                        record = json.loads(line)
                        key = (str(record["task_id"]).lower(), str(record["job_id"]))
                    except (ValueError, KeyError, TypeError):
                        continue  # a line being written, or damaged
                    seen.add(key)
                    tags = record.get("tags")
                    yield key[0], key[1], tags if isinstance(tags, dict) else {}
        except OSError:
            pass
        jobs = run / "jobs"
        try:
            types = list(jobs.iterdir())
        except OSError:
            return
        for type_dir in types:
            try:
                links = list(type_dir.iterdir())
            except OSError:
                continue
            for link in links:
                key = (type_dir.name, link.name)
                if key not in seen:
                    seen.add(key)
                    yield key[0], key[1], {}

    def _load_refs(self):
        if self._refs is not None:
            return
        refs: Dict[Tuple[str, str], Set[str]] = {}
        self._tags: Dict[Tuple[str, str], dict] = {}
        for xp in self.experiments():
            runs = self.runs(xp)
            current = self.current_run(xp)
            for run in runs:
                in_current = current is not None and run.resolve() == current
                for type_id, identifier, tags in self._run_records(run):
                    key = (type_id, identifier)
                    refs.setdefault(key, set()).add(xp)
                    if tags:
                        self._tags[key] = tags  # later runs win
                    if in_current:
                        self._current.setdefault(xp, set()).add(key)
        self._refs = refs

    def referenced(self, job: JobInfo) -> bool:
        self._load_refs()
        return (job.type_id, job.identifier) in self._refs

    def current_jobs(self, xp: str) -> Set[Tuple[str, str]]:
        self._load_refs()
        return self._current.get(xp, set())

    def in_a_current_run(self, job: JobInfo) -> bool:
        """True when the current run of some experiment references the job."""
        self._load_refs()
        key = (job.type_id, job.identifier)
        return any(key in keys for keys in self._current.values())

    # -- jobs -------------------------------------------------------------------------

    def jobs(self) -> List[JobInfo]:
        if self._jobs is None:
            self._load_refs()
            jobs = {}
            try:
                type_dirs = [p for p in self.jobspath.iterdir() if p.is_dir()]
            except OSError:
                type_dirs = []
            for type_dir in type_dirs:
                try:
                    entries = list(os.scandir(type_dir))
                except OSError:
                    continue
                for entry in entries:
                    if not entry.is_dir(follow_symlinks=False):
                        continue
                    job = JobInfo(self.path, type_dir.name, entry.name)
                    key = (job.type_id, job.identifier)
                    job.tags = dict(self._tags.get(key, {}))
                    job.experiments = set(self._refs.get(key, ()))
                    jobs[key] = job
            _mark_queued(jobs.values())
            self._jobs = jobs
        return list(self._jobs.values())

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
        return matches[0]


def _mark_queued(jobs):
    """Jobs that still wait in a queue (a pending Slurm job) are ``queued``, not running:
    one query per kind of launcher for all of them (they stay running when the queue
    cannot be asked)."""
    handles = {}
    for job in jobs:
        handle = handle_for(job.pid) if job.state == "running" else None
        if handle is not None and handle.queue:
            handles[handle] = job
    for handle in queued_handles(handles):
        handles[handle].state = "queued"


def run_key(name: str):
    """The order of run ids: 20261122_101500, then 20261122_101500.1, .2 ..."""
    base, _, n = name.partition(".")
    return (base, int(n) if n.isdigit() else -1 if not n else 0, name)


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
