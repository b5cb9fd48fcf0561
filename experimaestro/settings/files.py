"""Where the settings file is, and reading it once per change."""

import os
from pathlib import Path
from typing import Dict, Optional, Tuple

from .model import Settings
from .reading import read_settings

__all__ = ["config_dir", "settings_file", "get_settings"]


def config_dir() -> Path:
    """The configuration folder: ``$XPM_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/experimaestro``,
    else ``~/.config/experimaestro``."""
    env = os.environ.get("XPM_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "experimaestro"


def settings_file() -> Path:
    return config_dir() / "settings.yaml"


#: path -> (file state, settings): a file is read (and its warnings shown) once per
#: change, but a test or a long session that edits it sees the new content
_cache: Dict[Path, Tuple[tuple, Settings]] = {}


def get_settings(path: Optional[Path] = None) -> Settings:
    """The settings of ``path`` (default: ``settings_file()``); empty settings when the file
    does not exist. Raises SettingsError when the file is invalid. The object is shared:
    do not modify it."""
    path = Path(path).expanduser() if path else settings_file()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return Settings()
    state = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    cached = _cache.get(path)
    if cached is not None and cached[0] == state:
        return cached[1]
    settings = read_settings(path)
    _cache[path] = (state, settings)
    return settings
