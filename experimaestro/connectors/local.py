"""The local machine."""

import os
from pathlib import Path
from typing import Optional

from experimaestro.tokens import CounterToken


class LocalConnector:
    """Local file system and processes (``LocalConnector.instance()``)."""

    _instance: Optional["LocalConnector"] = None

    def __init__(self, localpath: Optional[Path] = None):
        default = os.environ.get("XPM_WORKDIR") or Path.home() / ".local/share/experimaestro"
        self.localpath = Path(localpath or default)

    @staticmethod
    def instance() -> "LocalConnector":
        if LocalConnector._instance is None:
            LocalConnector._instance = LocalConnector()
        return LocalConnector._instance

    def lock(self, path: Path, max_delay: int = -1):
        """An inter-process lock on a file (``with connector.lock(p):``)."""
        import fasteners

        return fasteners.InterProcessLock(str(path))

    def createtoken(self, name: str, total: int):
        """A counter token stored under this connector's folder."""
        return CounterToken(self.localpath / "tokens" / name, total)
