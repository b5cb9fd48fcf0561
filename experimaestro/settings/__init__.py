"""User settings: ``settings.yaml`` in the configuration folder (workspaces, the jobs'
environment, how many runs of an experiment are kept). See docs/settings.md.

Only the driver reads them (experiments, commands); a job process never does.
"""

from .choice import choose_workspace, find_workspace, get_workspace, get_workspace_by_path
from .files import config_dir, get_settings, settings_file
from .model import (CarbonSettings, FolderMode, FolderSettings, HistorySettings,
                    ServerSettings, Settings, SettingsError, SSHSettings, WorkspaceSettings)

__all__ = ["Settings", "WorkspaceSettings", "HistorySettings", "ServerSettings",
           "CarbonSettings", "SSHSettings", "FolderSettings", "FolderMode", "SettingsError",
           "get_settings", "settings_file", "config_dir", "find_workspace", "choose_workspace",
           "get_workspace", "get_workspace_by_path"]
