"""Workspaces (a folder of jobs and experiments) and run modes."""

import enum
from pathlib import Path
from typing import Optional, Union

from experimaestro.settings import Settings, WorkspaceSettings

__all__ = ["RunMode", "TransientMode", "Workspace", "set_launcher"]


class RunMode(enum.Enum):
    """How submitted jobs are handled."""

    #: Run the jobs
    NORMAL = "normal"
    #: Print the jobs and their state on disk; write nothing
    DRY_RUN = "dry-run"
    #: Write the job folders and params.json; run nothing
    GENERATE_ONLY = "generate"
    #: Like GENERATE_ONLY for tasks (preparation steps only)
    PREPARE = "prepare"

    @classmethod
    def parse(cls, text: Union[str, "RunMode"]) -> "RunMode":
        """By value or by name, case-insensitively (``dry-run``, ``dry_run``, ``DRY_RUN``)."""
        if isinstance(text, RunMode):
            return text
        key = str(text).strip().lower().replace("_", "-")
        for mode in cls:
            if key in (mode.value, mode.name.lower().replace("_", "-")):
                return mode
        choices = ", ".join(m.value for m in cls)
        raise ValueError(f"unknown run mode {text!r}; choose one of {choices}")


class TransientMode(enum.Enum):
    """Whether an intermediary task must be kept."""

    #: A normal task
    NONE = "none"
    #: Run only when a non-transient task needs it; its folder may be removed after
    TRANSIENT = "transient"
    #: Like TRANSIENT, and the folder is removed once dependents are done
    REMOVE = "remove"


class Workspace:
    """A workspace folder: ``jobs/``, ``experiments/``, ``config/``."""

    MARKER = ".__experimaestro__"

    #: the workspace of the experiment in progress (the innermost), or None (as in 2.x)
    CURRENT: Optional["Workspace"] = None

    def __init__(self, settings, workspace_settings=None, launcher=None,
                 run_mode: Optional[RunMode] = None, *, env: Optional[dict] = None):
        """``Workspace(path)``, or as in 2.x ``Workspace(Settings(), WorkspaceSettings(id,
        path=...))``: the jobs get the ``env`` of both (the workspace's wins), then
        ``env``. ``self.settings`` is the Settings (or None), ``self.workspace_settings``
        the WorkspaceSettings (or None), as in 2.x."""
        if isinstance(settings, WorkspaceSettings) and workspace_settings is None:
            settings, workspace_settings = None, settings
        if workspace_settings is not None:
            _check_types(settings, workspace_settings)
            workspace_settings.ensure_supported()
            path = workspace_settings.path
            merged = dict(settings.env) if settings is not None else {}
            merged.update(workspace_settings.env)
            merged.update(env or {})
            env = merged
        elif isinstance(settings, (str, Path)):
            path, settings = settings, None
        else:
            raise TypeError(
                "Workspace(...): expected a folder, or Settings and WorkspaceSettings, got"
                f" {type(settings).__name__}"
            )
        self.path = Path(path).expanduser().absolute()
        self._launcher = launcher
        self.run_mode = run_mode or RunMode.NORMAL
        self.env = dict(env or {})
        self.settings = settings
        self.workspace_settings = workspace_settings

    @property
    def launcher(self):
        """The launcher of the jobs submitted without one: the one given, else (as in 2.x)
        a :class:`~experimaestro.launchers.direct.DirectLauncher`, made on first use."""
        if self._launcher is None:
            from experimaestro.launchers.direct import DirectLauncher

            self._launcher = DirectLauncher()
        return self._launcher

    @launcher.setter
    def launcher(self, launcher):
        self._launcher = launcher

    @classmethod
    def set_launcher(cls, launcher) -> None:
        """Set the launcher of the current workspace (that of the experiment in
        progress): the jobs submitted afterwards without a launcher use it."""
        if cls.CURRENT is None:
            raise RuntimeError(
                "set_launcher(): no workspace is active; call it inside `with"
                " experiment(...)`, or give the launcher to experiment(..., launcher=...)"
            )
        cls.CURRENT.launcher = launcher

    @property
    def jobspath(self) -> Path:
        return self.path / "jobs"

    @property
    def experimentspath(self) -> Path:
        return self.path / "experiments"

    @property
    def configcachepath(self) -> Path:
        return self.path / "config"

    @property
    def partialspath(self) -> Path:
        return self.path / "partials"

    def job_folder(self, type_id: str, hexid: str) -> Path:
        return self.jobspath / type_id / hexid

    def prepare(self):
        """Create the workspace folders and touch the marker."""
        self.jobspath.mkdir(parents=True, exist_ok=True)
        self.experimentspath.mkdir(parents=True, exist_ok=True)
        (self.path / self.MARKER).touch()

    def __repr__(self):
        return f"Workspace({str(self.path)!r})"


def _check_types(settings, workspace_settings):
    if not isinstance(workspace_settings, WorkspaceSettings):
        raise TypeError(
            "Workspace(settings, workspace_settings): workspace_settings must be a"
            f" WorkspaceSettings, got {type(workspace_settings).__name__}"
        )
    if settings is not None and not isinstance(settings, Settings):
        raise TypeError(
            "Workspace(settings, workspace_settings): settings must be a Settings"
            f" (or None), got {type(settings).__name__}"
        )


#: ``experimaestro.set_launcher(launcher)``: :meth:`Workspace.set_launcher` (2.x's name)
set_launcher = Workspace.set_launcher
