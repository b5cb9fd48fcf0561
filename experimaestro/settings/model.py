"""The content of settings.yaml as Python objects: the classes of experimaestro 2.x, with
its field names and defaults, so that code building them keeps working.

Some of 2.x's keys are not provided here (remote workspaces, auxiliary folders, lock file
modes): a workspace that uses them is refused when it is chosen (``ensure_supported``),
never run as if the key were not there.
"""

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from experimaestro.exceptions import HandledException

__all__ = ["SettingsError", "FolderMode", "FolderSettings", "ServerSettings",
           "CarbonSettings", "HistorySettings", "SSHSettings", "WorkspaceSettings", "Settings"]


class SettingsError(HandledException, ValueError):
    """The settings file is invalid, or asks for something not provided (the message
    says where and how to fix it)."""


class FolderMode(str, enum.Enum):
    """How 2.x uses an auxiliary folder of a workspace (not provided here)."""

    USE = "use"
    BACKUP = "backup"
    MOVE = "move"


@dataclass
class FolderSettings:
    """An auxiliary folder of a workspace (2.x beta; refused when the workspace is used)."""

    path: Path
    mode: FolderMode = FolderMode.USE

    def __post_init__(self):
        self.path = Path(self.path).expanduser()
        self.mode = FolderMode(self.mode)


@dataclass
class ServerSettings:
    """The web monitor's defaults (2.x's web server): ``port`` (of ``run-experiment
    --web``), ``host`` (its address: an IP address is bound, a name is shown in its
    address while all interfaces are bound), ``autohost`` (``fqdn`` or ``name``: the host's
    name as ``host``), ``token`` (instead of a random one)."""

    port: Optional[int] = None
    host: Optional[str] = None
    autohost: Optional[str] = None
    token: Optional[str] = None


@dataclass
class CarbonSettings:
    """2.x's carbon tracking with CodeCarbon (not provided here)."""

    enabled: bool = True
    provider: str = "codecarbon"
    country_iso_code: Optional[str] = None
    region: Optional[str] = None
    report_interval_s: float = 60.0
    warn_if_unavailable: bool = True


@dataclass
class HistorySettings:
    """How many past runs of an experiment are kept (``experiments/<id>/<run>/``), counting
    the run that just ended: the newest ``max_done`` runs that completed and the newest
    ``max_failed`` that failed; a failed run older than the newest completed one goes."""

    max_done: int = 5
    max_failed: int = 1


@dataclass
class SSHSettings:
    """2.x's remote workspace (monitored over ssh; not provided here)."""

    host: str = ""
    shell_init: Optional[str] = None
    uv_offline: bool = False
    python: Optional[str] = None
    xpm_path: Optional[str] = None
    options: List[str] = field(default_factory=list)


@dataclass
class WorkspaceSettings:
    """One workspace: where jobs and experiments live, and what their jobs get."""

    id: str
    path: Path
    #: environment variables of the jobs (they win over the top-level ``env``)
    env: Dict[str, str] = field(default_factory=dict)
    #: 2.x (deprecated there): other workspaces where jobs are looked up — refused here
    alt_workspaces: List[str] = field(default_factory=list)
    #: 2.x beta: auxiliary job folders — refused here
    folders: List[FolderSettings] = field(default_factory=list)
    #: how many times a ResumableTask that reached its time limit runs again
    max_retries: int = 3
    #: 2.x: permissions of lock files; only ``umask`` (what happens here) is accepted
    lock_mode: Optional[str] = None
    #: glob patterns: run-experiment picks this workspace for a matching experiment id
    triggers: List[str] = field(default_factory=list)
    #: None: the top-level ``history`` of the settings
    history: Optional[HistorySettings] = None
    #: 2.x: a remote workspace — refused when chosen, skipped as default and by triggers
    ssh: Optional[SSHSettings] = None

    def __post_init__(self):
        self.path = Path(self.path).expanduser()

    @property
    def is_remote(self) -> bool:
        return self.ssh is not None and bool(self.ssh.host)

    def where(self, key: Optional[str] = None) -> str:
        """``file:line`` of this workspace (or of one of its keys) in the settings file,
        or a description when it was built in Python."""
        origins = getattr(self, "_origins", None) or {}
        return origins.get(key) or origins.get(None) or f"workspace {self.id!r}"

    def ensure_supported(self):
        """Raise SettingsError if this workspace needs a 2.x feature not provided here."""
        problems = list(self._unsupported())
        if problems:
            raise SettingsError(
                f"workspace {self.id!r} cannot be used here:\n  - " + "\n  - ".join(problems)
            )

    def _unsupported(self):
        if self.is_remote:
            yield (f"{self.where('ssh')}: ssh: it is a remote workspace, monitored over ssh by"
                   " experimaestro 2.x, which is not provided here; run the experiment on"
                   " that machine with a local workspace")
        for key in ("folders", "alt_workspaces"):
            if getattr(self, key):
                yield (f"{self.where(key)}: {key}: looking up, backing up or moving jobs in"
                       " other folders is not provided here (jobs found only there would"
                       f" run again); remove `{key}`, or copy those jobs into"
                       f" {self.path / 'jobs'}")
        if self.lock_mode is not None and self.lock_mode != "umask":
            yield (f"{self.where('lock_mode')}: lock_mode: {self.lock_mode!r} is not provided"
                   " here: lock files get the permissions of the process umask; remove the"
                   " key or write `lock_mode: umask` (for a workspace shared by a group, run"
                   " with `umask 002`)")


@dataclass
class Settings:
    """The whole settings file."""

    server: ServerSettings = field(default_factory=ServerSettings)
    #: the first local workspace is the default one
    workspaces: List[WorkspaceSettings] = field(default_factory=list)
    #: environment variables of every job (a workspace's ``env`` wins)
    env: Dict[str, str] = field(default_factory=dict)
    #: runs kept per experiment (a workspace's ``history`` wins, key by key)
    history: HistorySettings = field(default_factory=HistorySettings)
    carbon: CarbonSettings = field(default_factory=CarbonSettings)

    def workspace(self, wid: str) -> WorkspaceSettings:
        """The workspace with id ``wid`` (the first one, if several have it)."""
        for ws in self.workspaces:
            if ws.id == wid:
                return ws
        known = ", ".join(w.id for w in self.workspaces) or "(none)"
        source = getattr(self, "source", None) or "the settings"
        raise KeyError(f"no workspace with id {wid!r} in {source}; known: {known}")

    def history_for(self, workspace: Optional[WorkspaceSettings]) -> HistorySettings:
        """The history of the runs of an experiment in ``workspace``."""
        if workspace is not None and workspace.history is not None:
            return workspace.history
        return self.history
